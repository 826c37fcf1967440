package io.metalprompt.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import redis.embedded.RedisServer;

/**
 * A real Redis Cluster of {@code masters} masters with one replica each, from the same redis-server binary the rest of
 * the test infrastructure runs (the one bundled in {@code embedded-redis}), formed the way {@code redis-cli --cluster
 * create} forms one, by commands any client can send: {@code CLUSTER MEET} every node, {@code CLUSTER ADDSLOTSRANGE}
 * an equal share of the 16,384 slots per master, {@code CLUSTER REPLICATE} each replica, then wait until every node
 * says {@code cluster_state:ok} and knows every other. No Docker, no redis-cli. Nodes can be stopped and started
 * again on their port and folder (their {@code nodes.conf} keeps their identity), for fault tests.
 */
public final class LocalRedisCluster implements AutoCloseable {

    private static final int SLOTS = 16384;

    private final List<Integer> ports = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();
    private final List<RedisServer> servers = new ArrayList<>();
    private final int masters;

    private LocalRedisCluster(int masters) {
        this.masters = masters;
    }

    /** Starts {@code masters} masters and as many replicas on free ports, and forms the cluster (a few seconds). */
    public static LocalRedisCluster start(int masters) {
        LocalRedisCluster cluster = new LocalRedisCluster(masters);
        try {
            for (int i = 0; i < masters * 2; i++) {
                cluster.ports.add(TestInfrastructure.freePort());
                cluster.dirs.add(Files.createTempDirectory("metal-redis-cluster-" + i));
                cluster.servers.add(null);
                cluster.startNode(i);
            }
            cluster.form();
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw new IllegalStateException("could not start a local Redis Cluster: " + e.getMessage(), e);
        }
    }

    /** The seeds, as {@code metal.redis.url} takes them: {@code redis://127.0.0.1:P1,redis://127.0.0.1:P2,...}. */
    public String url() {
        return ports.stream().map(p -> "redis://127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    /** The ports of the nodes: masters first (as formed), then their replicas in the same order. */
    public List<Integer> ports() {
        return List.copyOf(ports);
    }

    /** Stops node {@code i} (SIGTERM through embedded-redis). */
    public void stopNode(int i) {
        RedisServer server = servers.get(i);
        if (server != null) {
            try {
                server.stop();
            } catch (IOException e) {
                throw new IllegalStateException("could not stop Redis node " + i + ": " + e.getMessage(), e);
            }
            servers.set(i, null);
        }
    }

    /** Starts node {@code i} again on its port and folder; it rejoins the cluster with its saved identity. */
    public void startNode(int i) throws IOException {
        RedisServer server = RedisServer.newRedisServer()
                .bind("127.0.0.1")
                .port(ports.get(i))
                .setting("save \"\"")
                .setting("appendonly yes")
                .setting("dir " + dirs.get(i))
                .setting("cluster-enabled yes")
                .setting("cluster-config-file nodes.conf")
                .setting("cluster-node-timeout 2000")
                .build();
        server.start();
        servers.set(i, server);
    }

    private void form() {
        List<StatefulRedisConnection<String, String>> conns = new ArrayList<>();
        List<RedisClient> clients = new ArrayList<>();
        try {
            for (int port : ports) {
                RedisClient client = RedisClient.create(RedisURI.create("redis://127.0.0.1:" + port));
                clients.add(client);
                conns.add(client.connect());
            }
            RedisCommands<String, String> first = conns.get(0).sync();
            for (int i = 1; i < ports.size(); i++) {
                first.clusterMeet("127.0.0.1", ports.get(i));
            }
            for (int m = 0; m < masters; m++) {
                int from = SLOTS * m / masters;
                int to = SLOTS * (m + 1) / masters - 1;
                int[] slots = new int[to - from + 1];
                for (int s = from; s <= to; s++) {
                    slots[s - from] = s;
                }
                conns.get(m).sync().clusterAddSlots(slots);
            }
            List<String> ids = new ArrayList<>();
            for (StatefulRedisConnection<String, String> c : conns) {
                ids.add(c.sync().clusterMyId());
            }
            // a replica can follow its master only once it knows it: wait for the gossip of the meets
            await(conns, c -> c.sync().clusterNodes().lines().count() == ports.size(), "every node to know every other");
            for (int r = 0; r < masters; r++) {
                conns.get(masters + r).sync().clusterReplicate(ids.get(r));
            }
            await(conns, c -> c.sync().clusterInfo().contains("cluster_state:ok"), "cluster_state:ok on every node");
            await(conns, c -> c.sync().info("replication").contains(c.sync().info("replication").contains("role:master")
                    ? "connected_slaves:1" : "master_link_status:up"), "every replica to be in sync");
        } finally {
            conns.forEach(StatefulRedisConnection::close);
            clients.forEach(RedisClient::shutdown);
        }
    }

    private static void await(List<StatefulRedisConnection<String, String>> conns,
                              java.util.function.Predicate<StatefulRedisConnection<String, String>> ok, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            if (conns.stream().allMatch(ok)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the local Redis Cluster did not come up: waited 30 s for " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while forming the Redis Cluster", e);
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < servers.size(); i++) {
            try {
                stopNode(i);
            } catch (RuntimeException e) {
                System.err.println("[test-infrastructure] " + e.getMessage());
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
