package io.metalprompt.e2e.faults;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import io.metalprompt.client.MetalApiException;
import io.metalprompt.client.MetalClient;
import io.metalprompt.client.PredictionResponse;

/**
 * HTTP clients of the gateway, as a user runs them: every prediction call goes through the project's Java client
 * ({@link MetalClient}, its {@code RetryPolicy} honouring {@code Retry-After} and keeping the call's
 * {@code Idempotency-Key}), each call in its own thread at its planned time (an open loop: a slow answer does not
 * delay the next call). Counted per call on the client side: answered (200), clear errors (the error answer the client
 * finally gave up on, by status and title), lost (no answer at all: a transport failure after every retry, or no
 * outcome within the wait), wrong (a 200 whose predictions differ from the unfaulted run's for the same task and
 * input). The HTTP client under {@link MetalClient} counts every attempt, so a run also says how many calls were
 * retried and what their failed attempts saw.
 */
public final class HttpLoad implements AutoCloseable {

    /** Something done to the system while the calls run. */
    public interface Fault {
        void inject() throws Exception;
    }

    private final Function<HttpClient, MetalClient> clients;
    private final HttpClient.Version version;
    private final ExecutorService callers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "http-load");
        t.setDaemon(true);
        return t;
    });
    private volatile Map<String, String> lastChoices = Map.of();
    private volatile Map<String, Integer> lastRetries = Map.of();
    private volatile int lastRetriedCalls;

    /** @param clients builds the {@link MetalClient} of a run on the given (attempt-counting) HTTP client */
    public HttpLoad(Function<HttpClient, MetalClient> clients) {
        this(clients, HttpClient.Version.HTTP_2);
    }

    /**
     * As {@link #HttpLoad(Function)}, the HTTP client speaking {@code version}: with the JDK's default (HTTP/2, upgraded
     * from HTTP/1.1 on a plain connection) the calls of a run share one connection; with {@code HTTP_1_1} every call in
     * progress has one of its own, so that a TCP balancer spreads them over several gateways.
     */
    public HttpLoad(Function<HttpClient, MetalClient> clients, HttpClient.Version version) {
        this.clients = clients;
        this.version = version;
    }

    /** The key under which {@code expected} and {@link #lastChoices()} keep a prediction. */
    public static String key(String taskId, String input) {
        return taskId + " | " + input;
    }

    /**
     * Sends {@code calls} prediction calls of {@code inputsPerCall} inputs each, one every {@code interval}: call
     * {@code i} goes to task {@code i % tasks} with inputs {@code (i / tasks) * inputsPerCall + j} (modulo the inputs),
     * so a run with the same arguments sends the same calls. Starts {@code action} in its own thread just before call
     * {@code faultAt}, waits for it and then up to {@code wait} for every call's outcome, and counts.
     * {@code expected} maps {@link #key} to the unfaulted prediction (empty: nothing is compared).
     */
    public Tally run(String fault, String detail, List<String> taskIds, List<String> inputs, int calls,
                     int inputsPerCall, Duration interval, int faultAt, Fault action, Duration wait,
                     Map<String, String> expected, Map<String, String> settings) throws Exception {
        CountingHttpClient http = new CountingHttpClient(HttpClient.newBuilder().version(version)
                .connectTimeout(Duration.ofSeconds(5)).build());
        MetalClient client = clients.apply(http);
        Map<String, String> choices = new ConcurrentHashMap<>();
        Map<String, Integer> errors = new ConcurrentHashMap<>();
        Map<String, Integer> retries = new ConcurrentHashMap<>();
        List<String> lostReasons = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger clearErrors = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        AtomicInteger retriedCalls = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong slowest = new java.util.concurrent.atomic.AtomicLong();
        List<Future<?>> futures = new ArrayList<>();
        Thread faultThread = null;
        Exception[] faultError = new Exception[1];
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            if (i == faultAt && action != null) {
                faultThread = new Thread(() -> {
                    try {
                        action.inject();
                    } catch (Exception e) {
                        faultError[0] = e;
                    }
                }, "fault");
                faultThread.start();
            }
            String taskId = taskIds.get(i % taskIds.size());
            List<String> callInputs = new ArrayList<>();
            for (int j = 0; j < inputsPerCall; j++) {
                callInputs.add(inputs.get(((i / taskIds.size()) * inputsPerCall + j) % inputs.size()));
            }
            futures.add(callers.submit(() -> {
                long start = System.nanoTime();
                CountingHttpClient.Attempts attempts = http.begin();
                try {
                    PredictionResponse response = client.predict(taskId, callInputs);
                    slowest.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
                    List<String> got = response.choices();
                    boolean right = got.size() == callInputs.size() && taskId.equals(response.taskId());
                    for (int j = 0; right && j < callInputs.size(); j++) {
                        String want = expected.get(key(taskId, callInputs.get(j)));
                        right = want == null || want.equals(got.get(j));
                    }
                    if (right) {
                        answered.incrementAndGet();
                        for (int j = 0; j < callInputs.size(); j++) {
                            choices.put(key(taskId, callInputs.get(j)), got.get(j));
                        }
                    } else {
                        answered.incrementAndGet();
                        wrong.incrementAndGet();
                        System.out.println("[gateway-faults] wrong answer for " + taskId + " " + callInputs + ": " + got);
                    }
                } catch (MetalApiException e) {
                    clearErrors.incrementAndGet();
                    errors.merge(e.status() + " " + e.title(), 1, Integer::sum);
                    System.out.println("[gateway-faults] clear error: " + e.getMessage());
                } catch (RuntimeException e) {
                    lostReasons.add(e.toString());
                    System.out.println("[gateway-faults] no answer: " + e);
                } finally {
                    if (attempts.failed.size() > 0) {
                        retriedCalls.incrementAndGet();
                        attempts.failed.forEach(f -> retries.merge(f, 1, Integer::sum));
                    }
                    http.end();
                }
            }));
            Thread.sleep(interval.toMillis());
        }
        if (faultThread != null) {
            faultThread.join();
            if (faultError[0] != null) {
                throw new IllegalStateException("injecting the fault failed: " + faultError[0].getMessage(), faultError[0]);
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        int unfinished = 0;
        for (Future<?> f : futures) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                unfinished++;
                f.cancel(true);
            }
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        lastChoices = Map.copyOf(choices);
        lastRetries = new TreeMap<>(retries);
        lastRetriedCalls = retriedCalls.get();
        int lost = calls - answered.get() - clearErrors.get();
        if (lost > 0) {
            System.out.println("[gateway-faults] " + fault + ": " + lost + " lost (" + unfinished
                    + " without an outcome after the wait): " + lostReasons);
        }
        return new Tally(fault, detail, calls, answered.get(), clearErrors.get(), lost, 0, wrong.get(),
                new TreeMap<>(errors), slowest.get(), millis, settings);
    }

    /** {@link #key} to predicted choice, from the correct answers of the last run (an unfaulted run gives the expected ones). */
    public Map<String, String> lastChoices() {
        return lastChoices;
    }

    /** What the failed attempts of the last run's calls saw (an HTTP status, or the transport failure), how often. */
    public Map<String, Integer> lastRetries() {
        return lastRetries;
    }

    /** Calls of the last run that needed more than one attempt. */
    public int lastRetriedCalls() {
        return lastRetriedCalls;
    }

    /** "12 calls retried (9 after 503, 3 after ConnectException)", or "no call retried". */
    public String retriesSummary() {
        if (lastRetriedCalls == 0) {
            return "no call retried";
        }
        List<String> parts = new ArrayList<>();
        lastRetries.forEach((k, v) -> parts.add(v + " after " + k));
        return lastRetriedCalls + " calls retried (" + String.join(", ", parts) + ")";
    }

    @Override
    public void close() {
        callers.shutdownNow();
    }

    /**
     * An {@link HttpClient} that hands every send to another and notes, per calling thread, the attempts that did not
     * end in a 2xx ({@link MetalClient} sends a call's attempts on the caller's thread).
     */
    static final class CountingHttpClient extends HttpClient {

        static final class Attempts {
            final List<String> failed = new ArrayList<>();
        }

        private final HttpClient delegate;
        private final ThreadLocal<Attempts> current = new ThreadLocal<>();

        CountingHttpClient(HttpClient delegate) {
            this.delegate = delegate;
        }

        Attempts begin() {
            Attempts a = new Attempts();
            current.set(a);
            return a;
        }

        void end() {
            current.remove();
        }

        @Override
        public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
                throws IOException, InterruptedException {
            Attempts a = current.get();
            try {
                HttpResponse<T> response = delegate.send(request, handler);
                if (a != null && (response.statusCode() < 200 || response.statusCode() >= 300)) {
                    a.failed.add(Integer.toString(response.statusCode()));
                }
                return response;
            } catch (IOException e) {
                if (a != null) {
                    a.failed.add(e.getClass().getSimpleName());
                }
                throw e;
            }
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
            return delegate.sendAsync(request, handler);
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                                HttpResponse.PushPromiseHandler<T> push) {
            return delegate.sendAsync(request, handler, push);
        }

        @Override
        public Optional<CookieHandler> cookieHandler() {
            return delegate.cookieHandler();
        }

        @Override
        public Optional<Duration> connectTimeout() {
            return delegate.connectTimeout();
        }

        @Override
        public Redirect followRedirects() {
            return delegate.followRedirects();
        }

        @Override
        public Optional<ProxySelector> proxy() {
            return delegate.proxy();
        }

        @Override
        public SSLContext sslContext() {
            return delegate.sslContext();
        }

        @Override
        public SSLParameters sslParameters() {
            return delegate.sslParameters();
        }

        @Override
        public Optional<Authenticator> authenticator() {
            return delegate.authenticator();
        }

        @Override
        public Version version() {
            return delegate.version();
        }

        @Override
        public Optional<java.util.concurrent.Executor> executor() {
            return delegate.executor();
        }
    }
}
