package io.metalprompt.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.metalprompt.tasks.TaskExample;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The gateway's public API as a client uses it: register a task and wait until it is ready, then predict.
 * <p>
 * The calls go through one Vert.x HTTP/1.1 client on a single event loop with a pooled keep-alive connection per
 * concurrent caller: the harness's clients share the two cores with the system they measure, so they must cost as
 * little CPU as a remote client would cost the provider (nothing). The JDK's {@code java.net.http.HttpClient} used
 * before spent about 0.9 ms of CPU per request here (ServingBench's CPU table), a fifth of the whole served path's.
 * Callers block on each call's answer; the methods are safe to call from many threads at once.
 */
final class GatewayClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private final String gateway;
    /** The gateway URL's own path (empty, or e.g. {@code /metal} behind an ingress), in front of every call's. */
    private final String basePath;
    private final Map<String, String> headers;
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
            .setInternalBlockingPoolSize(1));
    private final HttpClient http;

    /** {@code headers}: sent with every call (the API key among them). */
    GatewayClient(String gateway, Map<String, String> headers) {
        this.gateway = gateway;
        this.headers = headers;
        URI uri = URI.create(gateway);
        boolean https = "https".equals(uri.getScheme());
        this.basePath = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        HttpClientOptions options = new HttpClientOptions().setDefaultHost(uri.getHost())
                .setDefaultPort(uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80).setKeepAlive(true)
                .setConnectTimeout(5_000).setSsl(https);
        // more connections than the largest client count any harness runs, so no caller waits for one
        this.http = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(256).setMaxWaitQueueSize(-1));
    }

    String url() {
        return gateway;
    }

    /** Registers a PREFIX task of {@code train}'s examples, no XL demonstrations; returns its id once it is ready. */
    String register(List<TaskExample> train) throws Exception {
        String id = submit(train);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode status = JSON.readTree(call(HttpMethod.GET, "/v1/tasks/" + id, null).body());
            switch (status.path("status").asText()) {
                case "ready" -> {
                    return id;
                }
                case "pending" -> Thread.sleep(100);
                default -> throw new IllegalStateException("task " + id + " did not become ready: " + status);
            }
        }
        throw new IllegalStateException("task " + id + " not ready within 120 s");
    }

    /** Registers a PREFIX task of {@code train}'s examples, no XL demonstrations; returns its id once accepted (202). */
    String submit(List<TaskExample> train) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        var examples = body.putArray("examples");
        train.forEach(e -> examples.addObject().put("input", e.input()).put("output", e.output()));
        train.get(0).options().forEach(body.putArray("options")::add);
        body.put("design", "PREFIX").put("demonstrations", 0);
        Response created = call(HttpMethod.POST, "/v1/tasks", JSON.writeValueAsString(body));
        if (created.status() != 202) {
            throw new IllegalStateException("registration refused: " + created.status() + " " + created.body());
        }
        return JSON.readTree(created.body()).path("id").asText();
    }

    /** Predictions of task {@code taskId} through the gateway, as a {@link ServingPath}. */
    ServingPath path(String taskId) {
        return inputs -> predict(taskId, inputs);
    }

    /** The chosen option of each input, by task {@code taskId} through the gateway. */
    List<String> predict(String taskId, List<String> inputs) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        inputs.forEach(body.putArray("inputs")::add);
        Response r = call(HttpMethod.POST, "/v1/tasks/" + taskId + "/predictions", JSON.writeValueAsString(body));
        if (r.status() != 200) {
            throw new IllegalStateException("prediction failed: " + r.status() + " " + r.body()
                    + (r.status() == 413 ? " (raise METAL_GATEWAY_MAX_INPUT_CHARS for the ICL inputs)" : ""));
        }
        List<String> choices = new ArrayList<>();
        JSON.readTree(r.body()).path("predictions").forEach(p -> choices.add(p.path("choice").asText()));
        return choices;
    }

    @Override
    public void close() {
        http.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /** A call's status and body. */
    record Response(int status, String body) {
    }

    /** Sends one call and waits for its whole answer (at most {@link #CALL_TIMEOUT}). */
    private Response call(HttpMethod method, String path, String json) throws Exception {
        RequestOptions options = new RequestOptions().setMethod(method).setURI(basePath + path)
                .setTimeout(CALL_TIMEOUT.toMillis());
        headers.forEach(options::addHeader);
        if (json != null) {
            options.addHeader("Content-Type", "application/json");
        }
        return http.request(options)
                .compose(request -> (json == null ? request.send() : request.send(Buffer.buffer(json)))
                        .compose(response -> response.body().map(b -> new Response(response.statusCode(), b.toString()))))
                .toCompletionStage().toCompletableFuture()
                .get(CALL_TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    }
}
