package io.metalprompt.service;

import java.util.Locale;

/**
 * Which exposition format a scraper of {@code /q/metrics} gets, decided by its {@code Accept} header as HTTP content
 * negotiation does: OpenMetrics (with exemplars) only when the client rates {@code application/openmetrics-text}
 * higher than {@code text/plain}, as Prometheus does; Prometheus' text format 0.0.4 otherwise, for curl
 * ({@code *}{@code /*}), browsers, {@code text/plain} and requests without the header. Quarkus itself serves
 * OpenMetrics to every {@code Accept} that does not name {@code text/plain} or {@code text/html}, which the text parser
 * ({@code promtool check metrics}) rejects, and text to Prometheus, which then gets no exemplars.
 */
final class MetricsAccept {

    /** The Accept header that makes Quarkus' handler write OpenMetrics 1.0.0 (its route's produces, exactly). */
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    /** The Accept header that makes it write the text format 0.0.4. */
    static final String TEXT = "text/plain; version=0.0.4";

    private MetricsAccept() {
    }

    /** The Accept header to hand Quarkus' metrics handler for a request that came with {@code accept} (may be null). */
    static String resolve(String accept) {
        if (accept == null || accept.isBlank()) {
            return TEXT;
        }
        return quality(accept, "application", "openmetrics-text") > quality(accept, "text", "plain") ? OPENMETRICS : TEXT;
    }

    /** The q of the most specific media range in {@code accept} that covers {@code type/subtype}; 0 when none does. */
    static double quality(String accept, String type, String subtype) {
        int best = -1;
        double q = 0;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String[] media = parts[0].trim().toLowerCase(Locale.ROOT).split("/", 2);
            if (media.length != 2) {
                continue;
            }
            int specificity = media[0].equals(type) && media[1].equals(subtype) ? 2
                    : media[0].equals(type) && media[1].equals("*") ? 1
                    : media[0].equals("*") && media[1].equals("*") ? 0 : -1;
            if (specificity > best) {
                best = specificity;
                q = qParameter(parts);
            }
        }
        return q;
    }

    private static double qParameter(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String[] param = parts[i].trim().split("=", 2);
            if (param.length == 2 && param[0].trim().equalsIgnoreCase("q")) {
                try {
                    return Double.parseDouble(param[1].trim());
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }
}
