package io.metalprompt.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import redis.embedded.RedisSentinel;
import redis.embedded.RedisServer;

/**
 * A Redis master with two replicas and three Sentinels (quorum 2, master name {@value #MASTER}) from the redis-server
 * binary bundled in {@code embedded-redis}, as {@code deploy/local/infra.sh} runs with {@code METAL_REDIS_MODE=sentinel};
 * for tests that fail the master over. Sentinels declare a master down after 1 s.
 */
public final class LocalRedisSentinel implements AutoCloseable {

    public static final String MASTER = "metal";

    private final List<Integer> dataPorts = new ArrayList<>();
    private final List<Integer> sentinelPorts = new ArrayList<>();
    private final List<RedisServer> servers = new ArrayList<>();
    private final List<RedisSentinel> sentinels = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();

    private LocalRedisSentinel() {
    }

    public static LocalRedisSentinel start() {
        LocalRedisSentinel s = new LocalRedisSentinel();
        try {
            for (int i = 0; i < 3; i++) {
                int port = TestInfrastructure.freePort();
                Path dir = Files.createTempDirectory("metal-redis-sentinel-" + i);
                s.dataPorts.add(port);
                s.dirs.add(dir);
                var builder = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                        .setting("save \"\"").setting("appendonly yes").setting("dir " + dir);
                if (i > 0) {
                    builder.slaveOf("127.0.0.1", s.dataPorts.get(0));
                }
                RedisServer server = builder.build();
                server.start();
                s.servers.add(server);
            }
            for (int i = 0; i < 3; i++) {
                int port = TestInfrastructure.freePort();
                s.sentinelPorts.add(port);
                RedisSentinel sentinel = RedisSentinel.newRedisSentinel().bind("127.0.0.1").port(port)
                        .masterPort(s.dataPorts.get(0)).masterName(MASTER).quorumSize(2)
                        .downAfterMilliseconds(1000).failOverTimeout(3000).parallelSyncs(1).build();
                sentinel.start();
                s.sentinels.add(sentinel);
            }
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw new IllegalStateException("could not start a local Redis with Sentinels: " + e.getMessage(), e);
        }
    }

    /** {@code redis-sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3/0#metal}. */
    public String url() {
        return "redis-sentinel://" + sentinelPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","))
                + "/0#" + MASTER;
    }

    /** The ports of the master (first) and its replicas, as started. */
    public List<Integer> dataPorts() {
        return List.copyOf(dataPorts);
    }

    /** {@code kill -9} of the redis-server listening on {@code port} (found by the title Redis gives itself). */
    public static void kill9(int port) {
        String title = "127.0.0.1:" + port;
        List<ProcessHandle> found = ProcessHandle.allProcesses().filter(p -> {
            try {   // Redis rewrites its title: read it where ps does (Java's commandLine() keeps the executable)
                String cmd = Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline")).replace('\0', ' ');
                return cmd.contains("redis-server") && cmd.contains(title);
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }).toList();
        if (found.isEmpty()) {
            throw new IllegalStateException("no redis-server on " + title);
        }
        found.forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public void close() {
        for (RedisSentinel sentinel : sentinels) {
            try {
                sentinel.stop();
            } catch (IOException | RuntimeException e) {
                // best effort
            }
        }
        for (RedisServer server : servers) {
            try {
                server.stop();
            } catch (IOException | RuntimeException e) {
                // best effort (a killed node)
            }
        }
        for (Path dir : dirs) {
            try {
                TestInfrastructure.deleteTree(dir);
            } catch (IOException e) {
                // best effort: a temporary folder
            }
        }
    }
}
