package io.metalprompt.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Closed-loop load: N clients, each sending its next single-input request as soon as its last one is answered. */
final class ClosedLoop {

    private ClosedLoop() {
    }

    /** Request number {@code i} of a closed loop, sent and answered. */
    interface Request {
        void send(int i) throws Exception;
    }

    /**
     * Sends {@code count} single-input requests (cycling over {@code inputs}) from {@code concurrency} clients;
     * {@code latencies[i]} is request i's time in ms. The first failure stops every client and is thrown.
     */
    static void drive(ServingPath target, List<String> inputs, int concurrency, int count, double[] latencies)
            throws InterruptedException {
        drive(i -> target.predict(List.of(inputs.get(i % inputs.size()))), concurrency, count, latencies);
    }

    /**
     * Sends requests {@code 0..count-1} from {@code concurrency} clients, each client taking the next number as soon
     * as its last request is answered; {@code latencies[i]} is request i's time in ms. The first failure stops every
     * client and is thrown.
     */
    static void drive(Request request, int concurrency, int count, double[] latencies) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Exception> failure = new AtomicReference<>();
        List<Thread> clients = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            Thread client = new Thread(() -> {
                for (int i; (i = next.getAndIncrement()) < count && failure.get() == null; ) {
                    long s = System.nanoTime();
                    try {
                        request.send(i);
                    } catch (Exception e) {
                        failure.compareAndSet(null, e);
                        return;
                    }
                    latencies[i] = (System.nanoTime() - s) / 1e6;
                }
            }, "client-" + t);
            client.start();
            clients.add(client);
        }
        for (Thread t : clients) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a request failed: " + failure.get().getMessage(), failure.get());
        }
    }
}
