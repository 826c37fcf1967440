package io.metalprompt.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Sums and counts of the services' own metrics (docs/observability.md) that a serving cell reports as means over its
 * timed requests: read from the services' {@code /q/metrics}, or from the in-process worker's registry.
 */
record MetricSums(Map<String, Double> samples) {

    /** A metric whose mean a cell reports: its {@code _sum} and {@code _count} samples (those with {@code label}). */
    enum Series {
        /** Requests per batch in the worker ({@code metal_worker_batch_requests}). */
        BATCH_REQUESTS("metal_worker_batch_requests", "", "metal.worker.batch.requests"),
        /** Serving time per batch in the worker ({@code metal_worker_batch_seconds}). */
        BATCH_SECONDS("metal_worker_batch_seconds", "", "metal.worker.batch"),
        /** Kafka round trip of the gateway's successful predictions. */
        ROUND_TRIP("metal_gateway_inference_roundtrip_seconds", "outcome=\"ok\"", null),
        /** From a request record's timestamp to the start of its batch in the worker. */
        WAIT("metal_worker_request_wait_seconds", "", "metal.worker.request.wait"),
        /** The gateway's prediction endpoint, whole (HTTP in the gateway to the answer written). */
        ENDPOINT("metal_gateway_requests_seconds", "endpoint=\"predict\"", null),
        /** The round trip's stages as the gateway sees them (RoundTripStages). */
        PRODUCE("metal_gateway_inference_stage_seconds", "stage=\"produce\"", null),
        WORKER("metal_gateway_inference_stage_seconds", "stage=\"worker\"", null),
        DELIVERY("metal_gateway_inference_stage_seconds", "stage=\"delivery\"", null),
        RESUME("metal_gateway_inference_stage_seconds", "stage=\"resume\"", null),
        /** The worker's transaction commit per batch. */
        COMMIT("metal_worker_commit_seconds", "", "metal.worker.commit"),
        /** The prompt-generator's generation of a task's prompt (a task generated in a batch records the batch's time). */
        GENERATION("metal_promptgen_generation_seconds", "outcome=\"ready\"", null);

        private final String sum;
        private final String count;
        private final String label;
        private final String meter;

        Series(String name, String label, String meter) {
            this.sum = name + "_sum";
            this.count = name + "_count";
            this.label = label;
            this.meter = meter;
        }

        private String sumKey() {
            return name() + ".sum";
        }

        private String countKey() {
            return name() + ".count";
        }
    }

    /** A counter's total or a gauge's value that a cell reads (summed over its label sets). */
    enum Sample {
        /** Requests whose task prefix was in the worker's prefix cache (counter). */
        CACHE_HITS("metal_worker_prefix_cache_hits_total"),
        /** Requests whose task prefix the worker had to build from the stored prompt (counter). */
        CACHE_MISSES("metal_worker_prefix_cache_misses_total"),
        /** Prefixes the worker dropped to stay within metal.serving.cache-bytes (counter). */
        CACHE_EVICTIONS("metal_worker_prefix_cache_evictions_total"),
        /** Bytes of prefixes the worker holds (gauge). */
        CACHE_BYTES("metal_worker_prefix_cache_bytes"),
        /** Prefixes the worker holds (gauge). */
        CACHE_ENTRIES("metal_worker_prefix_cache_entries");

        private final String metric;

        Sample(String metric) {
            this.metric = metric;
        }
    }

    /** The series' samples summed over {@code services}' /q/metrics (a null service is skipped). */
    static MetricSums scrape(HttpClient http, String... services) throws IOException, InterruptedException {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String service : services) {
            if (service == null) {
                continue;
            }
            String text = http.send(HttpRequest.newBuilder(URI.create(service + "/q/metrics"))
                    .header("Accept", "text/plain").GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String line : text.split("\n")) {
                for (Series s : Series.values()) {
                    add(samples, s.sumKey(), s.sum, s.label, line);
                    add(samples, s.countKey(), s.count, s.label, line);
                }
                for (Sample v : Sample.values()) {
                    add(samples, v.name(), v.metric, "", line);
                }
            }
        }
        return new MetricSums(samples);
    }

    /** The worker's series from its meters in {@code registry} (the gateway's are not there). */
    static MetricSums of(MeterRegistry registry) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (Series s : Series.values()) {
            if (s.meter == null) {
                continue;
            }
            Timer timer = registry.find(s.meter).timer();
            DistributionSummary summary = registry.find(s.meter).summary();
            if (timer != null) {
                samples.put(s.sumKey(), timer.totalTime(TimeUnit.SECONDS));
                samples.put(s.countKey(), (double) timer.count());
            } else if (summary != null) {
                samples.put(s.sumKey(), summary.totalAmount());
                samples.put(s.countKey(), (double) summary.count());
            }
        }
        return new MetricSums(samples);
    }

    /** Mean of {@code series} between {@code before} and these samples, times {@code scale}; NaN if unknown. */
    double mean(MetricSums before, Series series, double scale) {
        if (!samples.containsKey(series.sumKey()) || !samples.containsKey(series.countKey())) {
            return Double.NaN;
        }
        double n = samples.get(series.countKey()) - before.samples.getOrDefault(series.countKey(), 0.0);
        return n <= 0 ? Double.NaN
                : (samples.get(series.sumKey()) - before.samples.getOrDefault(series.sumKey(), 0.0)) / n * scale;
    }

    /** How many observations {@code series} gained between {@code before} and these samples; NaN if unknown. */
    double count(MetricSums before, Series series) {
        return samples.containsKey(series.countKey())
                ? samples.get(series.countKey()) - before.samples.getOrDefault(series.countKey(), 0.0) : Double.NaN;
    }

    /** The value of {@code sample}; NaN if unknown. */
    double value(Sample sample) {
        return samples.getOrDefault(sample.name(), Double.NaN);
    }

    /** How much {@code sample} grew between {@code before} and these samples; NaN if unknown. */
    double delta(MetricSums before, Sample sample) {
        return value(sample) - before.samples.getOrDefault(sample.name(), 0.0);
    }

    /**
     * Adds the value of {@code line} to {@code key} when the line is a sample of {@code metric} with {@code label}
     * among its labels (several label sets are summed; exemplars ignored).
     */
    private static void add(Map<String, Double> samples, String key, String metric, String label, String line) {
        if ((line.startsWith(metric + "{") || line.startsWith(metric + " ")) && line.contains(label)) {
            String sample = line.contains(" # ") ? line.substring(0, line.indexOf(" # ")) : line;
            samples.merge(key, Double.parseDouble(sample.substring(sample.lastIndexOf(' ') + 1)), Double::sum);
        }
    }
}
