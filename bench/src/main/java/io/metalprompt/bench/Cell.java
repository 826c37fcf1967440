package io.metalprompt.bench;

/**
 * One latency/throughput measurement, with the means the services' own metrics give over the timed requests
 * (NaN where not known): requests per batch, serving time per batch, and for the gateway the Kafka round trip
 * and the wait between a request record's timestamp and its batch.
 */
record Cell(String path, String variant, int concurrency, int requests, double p50, double p99, double throughput,
            double batchRequests, double batchMs, double roundTripMs, double waitMs) {
}
