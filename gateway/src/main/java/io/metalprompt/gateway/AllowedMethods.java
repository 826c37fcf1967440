package io.metalprompt.gateway;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;

/**
 * The HTTP methods each path of the API accepts, for the {@code Allow} header of a 405 (RESTEasy Reactive sends that
 * answer with no methods at all). Read once from the JAX-RS annotations of the resource classes among the
 * application's beans, so an endpoint added later is counted without a change here; {@code HEAD} comes with
 * {@code GET} and {@code OPTIONS} with every path, as the server answers both by itself.
 */
@ApplicationScoped
public class AllowedMethods {

    /** A resource path template as a pattern, and the methods its resource methods declare. */
    record Route(Pattern path, Set<String> methods) {
    }

    private final List<Route> routes;

    @Inject
    AllowedMethods(BeanManager beans) {
        this(beans.getBeans(Object.class, Any.Literal.INSTANCE).stream()
                .<Class<?>>map(bean -> bean.getBeanClass())
                .filter(type -> type.isAnnotationPresent(Path.class))
                .distinct().toList());
    }

    AllowedMethods(Collection<Class<?>> resources) {
        List<Route> found = new ArrayList<>();
        for (Class<?> resource : resources) {
            String base = resource.getAnnotation(Path.class).value();
            for (Method method : resource.getMethods()) {
                String verb = httpMethod(method);
                if (verb == null) {
                    continue;
                }
                Path sub = method.getAnnotation(Path.class);
                Pattern pattern = pattern(sub == null ? base : base + "/" + sub.value());
                Route route = found.stream().filter(r -> r.path().pattern().equals(pattern.pattern())).findFirst()
                        .orElseGet(() -> {
                            Route r = new Route(pattern, new TreeSet<>(List.of("OPTIONS")));
                            found.add(r);
                            return r;
                        });
                route.methods().add(verb);
                if (verb.equals("GET")) {
                    route.methods().add("HEAD");
                }
            }
        }
        this.routes = List.copyOf(found);
    }

    /** The methods a request path (raw, as sent) may be called with; empty when no resource serves it. */
    public Set<String> of(String path) {
        String trimmed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        Set<String> methods = new TreeSet<>();
        routes.stream().filter(r -> r.path().matcher(trimmed).matches()).forEach(r -> methods.addAll(r.methods()));
        return methods;
    }

    private static String httpMethod(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            HttpMethod verb = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (verb != null) {
                return verb.value();
            }
        }
        return null;
    }

    /** {@code /v1/tasks/{id}/predictions} as a pattern: a template parameter is one segment, or its own regex. */
    private static Pattern pattern(String template) {
        StringBuilder regex = new StringBuilder();
        for (String segment : template.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            regex.append('/');
            if (segment.startsWith("{") && segment.endsWith("}")) {
                int colon = segment.indexOf(':');
                regex.append(colon < 0 ? "[^/]+" : "(?:" + segment.substring(colon + 1, segment.length() - 1).strip() + ")");
            } else {
                regex.append(Pattern.quote(segment));
            }
        }
        return Pattern.compile(regex.length() == 0 ? "/" : regex.toString());
    }
}
