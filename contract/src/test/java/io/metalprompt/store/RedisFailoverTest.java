package io.metalprompt.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.testing.LocalRedisCluster;
import io.metalprompt.testing.LocalRedisSentinel;

/**
 * The stores through a failover, on topologies of their own (the shared Cluster stays whole for other tests): the
 * master of a Sentinel set killed with {@code kill -9}, and a master of a Redis Cluster killed; its replica takes
 * over, the connector follows (Sentinel asked again; the Cluster's slot map refreshed) and every task written (and
 * replicated) before the kill is still there, every write after it lands; a pub/sub subscription follows the new
 * master and its listener is told.
 */
class RedisFailoverTest {

    private static TaskRegistered task(String id) {
        return new TaskRegistered(1, id, "failover", List.of(new Example("a dog", "alpha")), List.of("alpha", "beta"),
                PromptDesign.PREFIX, 0, Instant.parse("2026-12-04T00:00:00Z"));
    }

    /** Registers tasks until {@code count} were written after {@code from}, retrying writes that fail meanwhile. */
    private static long writeThrough(TaskStore store, List<String> ids, int count, long deadlineNanos) throws InterruptedException {
        long failures = 0;
        int written = 0;
        while (written < count) {
            assertTrue(System.nanoTime() < deadlineNanos, "writes did not resume within the deadline (" + failures + " failed)");
            String id = UUID.randomUUID().toString();
            try {
                store.register(task(id));
                ids.add(id);
                written++;
            } catch (RuntimeException e) {
                failures++;
                Thread.sleep(200);
            }
        }
        return failures;
    }

    @Test
    void theSentinelMasterKilledItsReplicaTakesOverAndNoTaskIsLost() throws Exception {
        try (LocalRedisSentinel redis = LocalRedisSentinel.start();
             RedisConnector connector = new RedisConnector(redis.url(), Duration.ofSeconds(1))) {
            assertEquals(RedisConnector.Topology.SENTINEL, connector.topology());
            TaskStore store = new TaskStore(connector);
            List<String> ids = new ArrayList<>();
            writeThrough(store, ids, 20, System.nanoTime() + Duration.ofSeconds(20).toNanos());
            connector.sync().waitForReplication(2, 2000);   // what a replica has not got, a failover loses (documented)
            LocalRedisSentinel.kill9(redis.dataPorts().get(0));
            long failures = writeThrough(store, ids, 20, System.nanoTime() + Duration.ofSeconds(60).toNanos());
            for (String id : ids) {
                assertTrue(store.find(id).isPresent(), "task " + id + " lost in the failover");
            }
            System.out.printf("[failover] Sentinel: master killed, %d writes failed meanwhile, %d tasks all there%n",
                    failures, ids.size());
        }
    }

    @Test
    void aSubscriptionThroughSentinelFollowsTheNewMasterAndSaysSo() throws Exception {
        String channel = "metal:test:failover";
        try (LocalRedisSentinel redis = LocalRedisSentinel.start();
             RedisConnector connector = new RedisConnector(redis.url(), Duration.ofSeconds(1))) {
            BlockingQueue<String> heard = new LinkedBlockingQueue<>();
            Semaphore confirmed = new Semaphore(0);
            AutoCloseable subscription = connector.subscribe(channel, heard::add, confirmed::release)
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            try {
                assertTrue(confirmed.tryAcquire(10, TimeUnit.SECONDS), "the subscription was confirmed");
                connector.sync().publish(channel.getBytes(UTF_8), "before".getBytes(UTF_8));
                assertEquals("before", heard.poll(5, TimeUnit.SECONDS));
                LocalRedisSentinel.kill9(redis.dataPorts().get(0));
                assertTrue(confirmed.tryAcquire(60, TimeUnit.SECONDS),
                        "subscribed again on the new master, and told so (what a listener drops its copies on)");
                publishThrough(connector, channel, "after", System.nanoTime() + Duration.ofSeconds(30).toNanos());
                assertEquals("after", heard.poll(5, TimeUnit.SECONDS));
            } finally {
                subscription.close();
            }
        }
    }

    /** Publishes once the connector's own connection has found the new master too. */
    private static void publishThrough(RedisConnector connector, String channel, String message, long deadlineNanos)
            throws InterruptedException {
        while (true) {
            try {
                connector.sync().publish(channel.getBytes(UTF_8), message.getBytes(UTF_8));
                return;
            } catch (RuntimeException e) {
                assertTrue(System.nanoTime() < deadlineNanos, "no publish after the failover: " + e);
                Thread.sleep(200);
            }
        }
    }

    @Test
    void aClusterMasterKilledItsReplicaTakesOverAndNoTaskIsLost() throws Exception {
        try (LocalRedisCluster cluster = LocalRedisCluster.start(3);
             RedisConnector connector = new RedisConnector(cluster.url(), Duration.ofSeconds(1))) {
            TaskStore store = new TaskStore(connector);
            List<String> ids = new ArrayList<>();
            writeThrough(store, ids, 30, System.nanoTime() + Duration.ofSeconds(20).toNanos());
            Thread.sleep(500);   // replication is asynchronous: let the replicas catch up before the kill
            LocalRedisSentinel.kill9(cluster.ports().get(0));
            long failures = writeThrough(store, ids, 30, System.nanoTime() + Duration.ofSeconds(60).toNanos());
            for (String id : ids) {
                assertTrue(store.find(id).isPresent(), "task " + id + " lost in the failover");
            }
            System.out.printf("[failover] Cluster: master killed, %d writes failed meanwhile, %d tasks all there%n",
                    failures, ids.size());
        }
    }
}
