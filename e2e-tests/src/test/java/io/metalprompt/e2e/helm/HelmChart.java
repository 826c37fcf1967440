package io.metalprompt.e2e.helm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

import io.metalprompt.testing.ProjectPaths;

/** The chart in {@code deploy/helm/metal-prompt}, linted and rendered by Helm in-process (helm-java). */
final class HelmChart {

    static final String RELEASE = "metal";
    static final String NAMESPACE = "metal";
    /** What {@code metal.fullname} makes of release {@link #RELEASE} and chart {@code metal-prompt}. */
    static final String FULLNAME = "metal-metal-prompt";
    /**
     * The Kubernetes version rendered for: the API of io.kubernetes:client-java-api 24 that the manifests are checked
     * against. (The embedded Helm would otherwise assume v1.20, older than the chart's kubeVersion.)
     */
    static final String KUBE_VERSION = "1.32.0";

    /**
     * Prefix given to Helm's hook annotations in the rendered copy: helm-java's template prints the release manifest
     * only, without hooks (the helm CLI prints both), so the tests render a copy of the chart in which
     * {@code helm.sh/hook*} reads {@code test.helm.sh/hook*}. Helm then treats the hook Job as an ordinary object
     * and prints it, annotations included under the renamed key; nothing else differs from the chart.
     */
    static final String VISIBLE_HOOK_PREFIX = "test.";

    private static Path renderable;

    private HelmChart() {
    }

    static Path dir() {
        Path dir = ProjectPaths.root().resolve("deploy/helm/metal-prompt");
        if (!Files.isRegularFile(dir.resolve("Chart.yaml"))) {
            throw new IllegalStateException("no chart at " + dir);
        }
        return dir;
    }

    static LintResult lintStrict() {
        return new Helm(dir()).lint().strict().call();
    }

    /** {@code helm template} with the chart's values.yaml, then each file, then each inline YAML document. */
    static Manifests render(List<Path> valuesFiles, String... inlineValues) {
        return Manifests.parse(renderText(valuesFiles, inlineValues));
    }

    static Manifests render(String... inlineValues) {
        return render(List.of(), inlineValues);
    }

    /** A copy of the chart under target/ with hook annotations renamed (see {@link #VISIBLE_HOOK_PREFIX}). */
    private static synchronized Path renderableCopy() throws IOException {
        if (renderable == null) {
            Path source = dir();
            Path copy = ProjectPaths.root().resolve("e2e-tests/target/helm-chart-hooks-visible/metal-prompt");
            if (Files.exists(copy)) {
                try (Stream<Path> old = Files.walk(copy)) {
                    for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            try (Stream<Path> files = Files.walk(source)) {
                for (Path file : files.toList()) {
                    Path target = copy.resolve(source.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else if (file.toString().endsWith(".yaml") && file.startsWith(source.resolve("templates"))) {
                        Files.writeString(target, Files.readString(file)
                                .replace("helm.sh/hook", VISIBLE_HOOK_PREFIX + "helm.sh/hook"));
                    } else {
                        Files.copy(file, target); // follows the link files/topics.conf -> deploy/topics.conf
                    }
                }
            }
            renderable = copy;
        }
        return renderable;
    }

    static String renderText(List<Path> valuesFiles, String... inlineValues) {
        List<Path> temporary = new ArrayList<>();
        try {
            TemplateCommand template = new Helm(renderableCopy()).template().withName(RELEASE).withNamespace(NAMESPACE)
                    .withKubeVersion(KUBE_VERSION);
            for (Path file : valuesFiles) {
                template = template.withValuesFile(file);
            }
            for (String yaml : inlineValues) {
                Path file = Files.createTempFile("metal-values-", ".yaml");
                temporary.add(file);
                Files.writeString(file, yaml);
                template = template.withValuesFile(file);
            }
            return template.call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (Path file : temporary) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // a leftover temp file is harmless
                }
            }
        }
    }
}
