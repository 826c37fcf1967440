package io.metalprompt.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;


/**
 * A service's {@code /q/metrics} as its scrapers ask for it (in a {@code @QuarkusTest}, after traffic): every client
 * that does not prefer OpenMetrics — curl, a browser, {@code Accept: text/plain}, no Accept at all — gets Prometheus'
 * text format 0.0.4, which must parse ({@link TextFormatRules}; {@link Promtool} too where installed); Prometheus,
 * which prefers OpenMetrics, gets it, with the exemplars that tie a sample to a trace.
 */
/* Every method takes the URL of the service's /q/metrics (on its management interface: @TestHTTPResource(management = true)). */
public final class MetricsEndpoint {

    /** The Accept header Prometheus 2.x scrapes with. */
    public static final String PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,"
            + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    private static final List<String> PLAIN_ACCEPTS = List.of("", "*/*", "text/plain",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private MetricsEndpoint() {
    }

    /** Asserts that every client but one preferring OpenMetrics gets text format 0.0.4 that parses. */
    public static void assertTextFormatParses(URL metrics) {
        Optional<java.nio.file.Path> promtool = Promtool.find();
        for (String accept : PLAIN_ACCEPTS) {
            HttpResponse<String> r = scrape(metrics, accept);
            String what = "/q/metrics with Accept '" + accept + "'";
            assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""), what);
            List<String> problems = TextFormatRules.problems(r.body());
            assertTrue(problems.isEmpty(), what + " breaks the text format:\n" + String.join("\n", problems));
            promtool.flatMap(p -> Promtool.parseErrors(p, r.body()))
                    .ifPresent(error -> { throw new AssertionError(what + ": promtool check metrics: " + error); });
        }
    }

    /** Asserts that Prometheus, which prefers OpenMetrics, gets it; returns the exposition. */
    public static String assertPrometheusGetsOpenMetrics(URL metrics) {
        HttpResponse<String> r = scrape(metrics, PROMETHEUS_ACCEPT);
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"),
                "Prometheus negotiates OpenMetrics: " + r.headers().map());
        assertTrue(r.body().endsWith("# EOF\n"), "an OpenMetrics exposition ends with # EOF");
        return r.body();
    }

    /** Asserts that Prometheus gets OpenMetrics and that a sample of {@code metric} carries a trace's exemplar there. */
    public static void assertOpenMetricsExemplar(URL metrics, String metric) {
        String exposition = assertPrometheusGetsOpenMetrics(metrics);
        assertTrue(exposition.lines().anyMatch(l -> l.startsWith(metric) && l.matches(".* # \\{.*trace_id=\"[0-9a-f]{32}\".*")),
                "no exemplar with a trace id on " + metric + " in\n" + exposition);
    }

    private static HttpResponse<String> scrape(URL metrics, String accept) {
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(metrics.toURI()).timeout(Duration.ofSeconds(30));
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(metrics.toString(), e);
        }
        if (!accept.isEmpty()) {
            request.header("Accept", accept);
        }
        try {
            HttpResponse<String> r = HTTP.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return r;
        } catch (IOException e) {
            throw new AssertionError("cannot scrape /q/metrics", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
