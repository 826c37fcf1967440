package io.metalprompt.client;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for the gateway on the JDK's HTTP server: answers each method and path with the answers it was given, in
 * order (the last one again once they are used up; a 404 problem for anything else), and records every request.
 */
final class FakeGateway implements AutoCloseable {

    /** A request as it arrived. */
    record Request(String method, URI uri, Headers headers, String body) {
        String header(String name) {
            return headers.getFirst(name);
        }
    }

    /** What to answer: status, headers, body, after an optional delay. */
    record Answer(int status, Map<String, String> headers, String body, Duration delay) {

        static Answer json(int status, String body) {
            return new Answer(status, Map.of("Content-Type", "application/json"), body, Duration.ZERO);
        }

        static Answer problem(int status, String slug, String title, String detail) {
            return new Answer(status, Map.of("Content-Type", "application/problem+json"),
                    "{\"type\":\"urn:metal-prompt:problem:" + slug + "\",\"title\":\"" + title + "\",\"status\":" + status
                            + ",\"detail\":\"" + detail + "\",\"instance\":\"/v1/tasks\"}", Duration.ZERO);
        }

        static Answer noContent() {
            return new Answer(204, Map.of(), "", Duration.ZERO);
        }

        Answer header(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Answer(status, h, body, delay);
        }

        Answer after(Duration delay) {
            return new Answer(status, headers, body, delay);
        }
    }

    private final HttpServer server;
    private final Map<String, Deque<Answer>> answers = new LinkedHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    FakeGateway() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    /** Answers {@code method path} (path without the query) with these answers in turn. */
    synchronized FakeGateway on(String method, String path, Answer... in) {
        answers.put(method + " " + path, new ArrayDeque<>(List.of(in)));
        return this;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** A client of this gateway with the given retry policy, the key {@code test-key}. */
    MetalClient.Builder client(RetryPolicy policy) {
        return MetalClient.builder(uri(), "test-key").retryPolicy(policy);
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    private synchronized Answer next(String method, String path) {
        Deque<Answer> queue = answers.get(method + " " + path);
        if (queue == null || queue.isEmpty()) {
            return Answer.problem(404, "not-found", "Not Found", "no answer set for " + method + " " + path);
        }
        return queue.size() > 1 ? queue.poll() : queue.peek();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI(), exchange.getRequestHeaders(), body));
            Answer answer = next(exchange.getRequestMethod(), exchange.getRequestURI().getPath());
            if (!answer.delay().isZero()) {
                try {
                    Thread.sleep(answer.delay().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            answer.headers().forEach(exchange.getResponseHeaders()::add);
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            // the client went away (a timeout test): nothing to answer
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
