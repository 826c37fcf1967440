package io.metalprompt.e2e.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A round-robin TCP balancer in front of several gateways, as a Kubernetes Service or a cloud TCP load balancer puts
 * one address before the Helm chart's gateway replicas: each client connection goes to the next backend, one that
 * refuses the connection is skipped (a dead pod's endpoint), and when a backend's connection breaks, the client's is
 * closed too (the client sees a reset, as it would). Nothing is buffered or retried here: a request in flight on a
 * killed gateway is lost to its client, which must send it again.
 */
public final class Balancer implements AutoCloseable {

    private final ServerSocket server;
    private final List<InetSocketAddress> backends;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger skipped = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicIntegerArray connections;
    private final ExecutorService pipes = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "balancer");
        t.setDaemon(true);
        return t;
    });

    /** Listens on a free port of 127.0.0.1 and spreads connections over the backends at {@code baseUrls}. */
    public Balancer(List<String> baseUrls) throws IOException {
        this.backends = baseUrls.stream().map(java.net.URI::create)
                .map(u -> new InetSocketAddress(u.getHost(), u.getPort())).toList();
        this.connections = new java.util.concurrent.atomic.AtomicIntegerArray(backends.size());
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        pipes.execute(this::accept);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Connections that found a backend refusing and went to the next one. */
    public int skipped() {
        return skipped.get();
    }

    /** Connections made to each backend so far, in the order of the constructor's list. */
    public List<Integer> connections() {
        List<Integer> out = new java.util.ArrayList<>();
        for (int i = 0; i < connections.length(); i++) {
            out.add(connections.get(i));
        }
        return out;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                pipes.execute(() -> connect(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void connect(Socket client) {
        int first = Math.floorMod(next.getAndIncrement(), backends.size());
        for (int i = 0; i < backends.size(); i++) {
            Socket backend = new Socket();
            int b = (first + i) % backends.size();
            try {
                backend.connect(backends.get(b), 1000);
                connections.incrementAndGet(b);
                pipes.execute(() -> pipe(client, backend));
                pipe(backend, client);
                return;
            } catch (IOException refused) {
                skipped.incrementAndGet();
                closeQuietly(backend);
            }
        }
        closeQuietly(client);   // no backend at all: the client's connection is closed unanswered
    }

    /** Copies {@code from} to {@code to} until either breaks, then closes both (a reset reaches the other side). */
    private static void pipe(Socket from, Socket to) {
        byte[] buffer = new byte[16384];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException broken) {
            // either side went away
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        pipes.shutdownNow();
    }
}
