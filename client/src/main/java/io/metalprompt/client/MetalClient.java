package io.metalprompt.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * A client of the gateway's public API, {@code /v1} ({@code docs/api.md}): one typed method per call. Failures are
 * {@link MetalApiException} (the gateway's problem details) or {@link MetalTransportException} (no answer); calls
 * answered 429, 503 or 504 are sent again as the {@link RetryPolicy} says, after the gateway's {@code Retry-After}.
 * Registrations, added examples and predictions carry an {@code Idempotency-Key} (the caller's, or a new one per call)
 * that stays the same on every attempt, so a retry never registers a task twice. Thread-safe; build one per gateway
 * and API key:
 *
 * <pre>{@code
 * MetalClient client = MetalClient.builder(URI.create("http://127.0.0.1:18080"), apiKey).build();
 * }</pre>
 */
public final class MetalClient {

    private static final int MAX_PAGE = 100;

    private final Transport transport;

    private MetalClient(Transport transport) {
        this.transport = transport;
    }

    /** A builder for a client of the gateway at {@code baseUri} (its API is under {@code baseUri/v1}) acting with {@code apiKey}. */
    public static Builder builder(URI baseUri, String apiKey) {
        return new Builder(baseUri, apiKey);
    }

    /** {@code POST /v1/tasks}: registers a task (its prompt is generated in the background), with a new idempotency key. */
    public TaskAccepted register(TaskRequest request) {
        return register(request, newKey());
    }

    /** {@code POST /v1/tasks} with the caller's {@code Idempotency-Key}: the same key and body register one task, however often sent. */
    public TaskAccepted register(TaskRequest request, String idempotencyKey) {
        return call("POST", "/v1/tasks", request, checkKey(idempotencyKey), TaskAccepted.class);
    }

    /** {@code GET /v1/tasks/{id}}: the task, with its versions (16). */
    public TaskView task(String id) {
        return call("GET", taskPath(id), null, null, TaskView.class);
    }

    /** {@code GET /v1/tasks?limit=&cursor=} (16): one page of the tenant's tasks, newest first; cursor null for the first. */
    public TaskPage taskPage(int limit, String cursor) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("limit must be 1 to " + MAX_PAGE + ", not " + limit);
        }
        String query = "?limit=" + limit + (cursor == null ? "" : "&cursor=" + escape(cursor));
        return call("GET", "/v1/tasks" + query, null, null, TaskPage.class);
    }

    /** All the tenant's tasks, newest first, fetched lazily {@code pageSize} at a time as the stream is read (16). */
    public Stream<TaskView> tasks(int pageSize) {
        if (pageSize < 1 || pageSize > MAX_PAGE) {
            throw new IllegalArgumentException("pageSize must be 1 to " + MAX_PAGE + ", not " + pageSize);
        }
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(new TaskIterator(pageSize, this::taskPage),
                Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    /** All the tenant's tasks, 20 a page. */
    public Stream<TaskView> tasks() {
        return tasks(20);
    }

    /** {@code DELETE /v1/tasks/{id}}. */
    public void delete(String id) {
        call("DELETE", taskPath(id), null, null, Void.class);
    }

    /** {@code POST /v1/tasks/{id}/examples} (16): more examples, made into the task's next version; a new idempotency key. */
    public VersionAccepted addExamples(String id, ExamplesRequest request) {
        return addExamples(id, request, newKey());
    }

    public VersionAccepted addExamples(String id, ExamplesRequest request, String idempotencyKey) {
        return call("POST", taskPath(id) + "/examples", request, checkKey(idempotencyKey), VersionAccepted.class);
    }

    /** {@code POST /v1/tasks/{id}/refine} (16): background refinement of the served version by {@code refinement.steps()} steps. */
    public VersionAccepted refine(String id, Refinement refinement) {
        return call("POST", taskPath(id) + "/refine", refinement, null, VersionAccepted.class);
    }

    /** {@code POST /v1/tasks/{id}/predictions}: one prediction per input, in order; a new idempotency key. */
    public PredictionResponse predict(String id, List<String> inputs) {
        return predict(id, inputs, newKey());
    }

    public PredictionResponse predict(String id, List<String> inputs, String idempotencyKey) {
        return call("POST", taskPath(id) + "/predictions", Map.of("inputs", List.copyOf(inputs)), checkKey(idempotencyKey),
                PredictionResponse.class);
    }

    /** {@code GET /v1/usage?from=&to=} (16): what the tenant used on these UTC days, inclusive; nulls for the gateway's default (today). */
    public Usage usage(LocalDate from, LocalDate to) {
        StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");
        if (from != null) {
            query.add("from=" + from);
        }
        if (to != null) {
            query.add("to=" + to);
        }
        return call("GET", "/v1/usage" + query, null, null, Usage.class);
    }

    /**
     * Reads the task until its prompt is ready and returns it; polls every {@code 100 ms} at first, then less often.
     *
     * @throws IllegalStateException when the task failed (with its reason), or is still pending after {@code timeout}
     */
    public TaskView awaitReady(String id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 100;
        while (true) {
            TaskView view = task(id);
            if (view.status() == TaskStatus.READY) {
                return view;
            }
            if (view.status() != TaskStatus.PENDING) {
                throw new IllegalStateException("task " + id + " is " + view.status().name().toLowerCase()
                        + (view.reason() == null ? "" : ": " + view.reason()));
            }
            if (System.nanoTime() + pause * 1_000_000 > deadline) {
                throw new IllegalStateException("task " + id + " still pending after " + timeout.toMillis() + " ms");
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for task " + id, e);
            }
            pause = Math.min(1000, pause * 3 / 2);
        }
    }

    private <T> T call(String method, String path, Object body, String idempotencyKey, Class<T> answer) {
        byte[] json;
        try {
            json = body == null ? null : ClientJson.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the request as JSON: " + e.getOriginalMessage(), e);
        }
        String text = transport.send(new Transport.Call(method, path, json, idempotencyKey));
        if (answer == Void.class) {
            return null;
        }
        try {
            if (text == null || text.isBlank()) {
                throw new IOException("it is empty");
            }
            return ClientJson.MAPPER.readValue(text, answer);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + ": the answer is not a " + answer.getSimpleName()
                    + ": " + e.getMessage(), e);
        }
    }

    private static String taskPath(String id) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a task id is needed");
        }
        return "/v1/tasks/" + escape(id);
    }

    /** Percent-encoded for a path segment or a query value: everything but unreserved characters, a space as %20. */
    private static String escape(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String newKey() {
        return UUID.randomUUID().toString();
    }

    /** An {@code Idempotency-Key} as the gateway takes it: 1 to 255 visible ASCII characters. */
    private static String checkKey(String key) {
        Objects.requireNonNull(key, "idempotencyKey");
        if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw new IllegalArgumentException("an Idempotency-Key is 1 to 255 visible ASCII characters");
        }
        return key;
    }

    /** Settings of a {@link MetalClient}; every one has a default but the base URI and the key. */
    public static final class Builder {
        private final URI baseUri;
        private final String apiKey;
        private HttpClient httpClient;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(60);
        private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
        private Transport.Time time = Transport.Time.SYSTEM;

        private Builder(URI baseUri, String apiKey) {
            this.baseUri = Objects.requireNonNull(baseUri, "baseUri");
            if (apiKey == null || apiKey.isBlank()) {
                throw new IllegalArgumentException("an API key is needed ('metal keys create --tenant T')");
            }
            this.apiKey = apiKey.strip();
        }

        /** The HTTP client to send with (its executor, proxy, TLS settings); {@link #connectTimeout} is then its own. */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
            return this;
        }

        /** How long connecting may take, for the client this builder makes (default 10 s). */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
            return this;
        }

        /** How long one attempt may wait for its answer (default 60 s; the gateway answers a prediction 504 after 30 s). */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
            return this;
        }

        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        /** For tests: the clock and sleep the retries use. */
        Builder time(Transport.Time time) {
            this.time = time;
            return this;
        }

        public MetalClient build() {
            String s = baseUri.toString();
            URI base = URI.create(s.endsWith("/") ? s : s + "/");
            if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
                throw new IllegalArgumentException("the base URI must be http or https: " + baseUri);
            }
            HttpClient http = httpClient != null ? httpClient
                    : HttpClient.newBuilder().connectTimeout(connectTimeout).build();
            return new MetalClient(new Transport(http, base, apiKey, requestTimeout, retryPolicy, time));
        }

        @Override
        public String toString() {
            return "MetalClient.Builder[" + baseUri + "]";   // never the key
        }
    }
}
