package io.metalprompt.e2e.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.metalprompt.testing.TestInfrastructure;
import redis.embedded.RedisServer;

/**
 * Redis as production runs it (AOF on, {@code appendfsync everysec}, no RDB snapshots, as
 * {@code deploy/local/infra.sh} starts it), from the binary bundled in embedded-redis, restartable on the same
 * port and data folder.
 */
public final class RedisProcess implements AutoCloseable {

    private final Path dir;
    private final int port;
    private RedisServer server;

    private RedisProcess(Path dir) {
        this.dir = dir;
        this.port = TestInfrastructure.freePort();
    }

    public static RedisProcess start(Path dir) throws IOException {
        Files.createDirectories(dir);
        RedisProcess redis = new RedisProcess(dir);
        redis.launch();
        return redis;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public synchronized void launch() throws IOException {
        server = RedisServer.newRedisServer()
                .bind("127.0.0.1")
                .port(port)
                .setting("save \"\"")
                .setting("appendonly yes")
                .setting("appendfsync everysec")
                .setting("dir " + dir)
                .build();
        server.start();
    }

    /** SIGTERM and wait: Redis writes its AOF and exits, as on an operator's restart. */
    public synchronized void stop() throws IOException {
        if (server != null) {
            server.stop();
        }
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
