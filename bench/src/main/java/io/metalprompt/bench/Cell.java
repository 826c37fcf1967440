package io.metalprompt.bench;

import java.util.Map;

/**
 * One latency/throughput measurement, with the means the services' own metrics give over the timed requests
 * (NaN where not known): requests per batch, serving time per batch, and for the gateway the Kafka round trip
 * and the wait between a request record's timestamp and its batch; and the CPU ms per timed request each process of
 * the machine spent ({@link ProcessCpu#perRequest}; empty when the harness did not start the system).
 */
record Cell(String path, String variant, int concurrency, int requests, double p50, double p99, double throughput,
            double batchRequests, double batchMs, double roundTripMs, double waitMs, Stages stages,
            Map<String, Double> cpu) {

    /** Cores the measured processes kept busy on average during the timed requests (CPU per request x throughput). */
    double coresBusy() {
        return cpu.getOrDefault(ProcessCpu.TOTAL, Double.NaN) * throughput / 1000;
    }

    /**
     * Where a gateway cell's requests spent their time, as means in ms from the services' own timers (NaN where not
     * known): the prediction endpoint whole; the round trip's stages as the gateway sees them (produce, then until the
     * worker wrote the result, then until this gateway's consumer had it, then until the request thread ran again);
     * and in the worker the wait for a batch, the serving of a batch, a transaction's commit and the batches one
     * transaction held.
     */
    record Stages(double endpoint, double roundTrip, double produce, double worker, double delivery, double resume,
                  double batchWait, double batch, double commit, double batchesPerCommit) {

        static Stages between(MetricSums before, MetricSums after) {
            return new Stages(after.mean(before, MetricSums.Series.ENDPOINT, 1000),
                    after.mean(before, MetricSums.Series.ROUND_TRIP, 1000),
                    after.mean(before, MetricSums.Series.PRODUCE, 1000),
                    after.mean(before, MetricSums.Series.WORKER, 1000),
                    after.mean(before, MetricSums.Series.DELIVERY, 1000),
                    after.mean(before, MetricSums.Series.RESUME, 1000),
                    after.mean(before, MetricSums.Series.WAIT, 1000),
                    after.mean(before, MetricSums.Series.BATCH_SECONDS, 1000),
                    after.mean(before, MetricSums.Series.COMMIT, 1000),
                    after.count(before, MetricSums.Series.BATCH_SECONDS) / after.count(before, MetricSums.Series.COMMIT));
        }

        /** The gateway's own time: the endpoint less the Kafka round trip (HTTP, auth, quotas, Redis, JSON). */
        double gatewayOwn() {
            return endpoint - roundTrip;
        }
    }
}
