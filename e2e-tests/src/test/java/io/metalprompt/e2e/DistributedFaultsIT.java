package io.metalprompt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.metalprompt.client.MetalClient;
import io.metalprompt.client.RetryPolicy;
import io.metalprompt.e2e.faults.Balancer;
import io.metalprompt.e2e.faults.HttpLoad;
import io.metalprompt.e2e.faults.KafkaBroker;
import io.metalprompt.e2e.faults.KafkaCluster;
import io.metalprompt.e2e.faults.LoadClient;
import io.metalprompt.e2e.faults.Tally;
import io.metalprompt.e2e.faults.TaskRegistrar;
import io.metalprompt.e2e.faults.TopicReader;
import io.metalprompt.e2e.faults.WorkerSystem;
import io.metalprompt.events.EventCodec;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Topics;
import io.metalprompt.store.ApiKeys;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.TaskStore;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.testing.LocalRedisCluster;
import io.metalprompt.testing.LocalRedisSentinel;
import io.metalprompt.testing.ProjectPaths;
import io.metalprompt.testing.TestInfrastructure;

/**
 * Faults of a distributed kind (issue 15, item 5) under load, counted per request as in {@link FaultToleranceIT}: the
 * packaged services (2 gateways, 1 prompt-generator, 2 inference-workers) on three Kafka brokers in JVMs of their own
 * (replication factor 3, {@code min.insync.replicas=2}, the services' producers {@code acks=all} and idempotent) and a
 * Redis Cluster of 3 masters and 3 replicas; then the prompt-generator and workers again on a Redis master with 2
 * replicas and 3 Sentinels ({@code redis-sentinel://}). One fault per test: a broker killed and restarted, the leader of
 * {@code metal.inference-requests} partitions killed, a Redis Cluster master killed, one gateway of two killed while
 * HTTP calls go through a balancer in front of both, the Sentinel master killed. Every row must lose, double and
 * falsify nothing. Counts go to {@code e2e-tests/target/reliability-distributed/*.json}, the table to its
 * {@code table.md} (docs/reliability.md, "Distributed faults"). Heavy (5 service JVMs, 3 broker JVMs, 6 + 6 Redis
 * processes; about five minutes on two busy cores): run with {@code -Pscale} (e2e-tests/pom.xml).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DistributedFaultsIT {

    private static final String TENANT = "dist-faults";
    private static final int REQUESTS = 200;
    private static final int FAULT_AT = 60;
    private static final Duration INTERVAL = Duration.ofMillis(25);
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int CALLS = 120;
    private static final int INPUTS_PER_CALL = 2;
    private static final int CALL_FAULT_AT = 40;
    private static final Duration CALL_INTERVAL = Duration.ofMillis(30);
    /** Attempts and time enough to outlast the failover; one attempt outwaits the gateway's 30 s prediction timeout. */
    private static final RetryPolicy RETRIES = RetryPolicy.DEFAULT.withMaxAttempts(20)
            .withMaxTotal(Duration.ofSeconds(90)).withBackoff(Duration.ofMillis(200), Duration.ofSeconds(2));
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(40);
    /** One tenant sends all the calls: its quotas (20/s, burst 40, 8 at once) would refuse the load before any fault. */
    private static final Map<String, String> UNLIMITED = Map.of("METAL_GATEWAY_QUOTA_REQUESTS_PER_SECOND", "1000",
            "METAL_GATEWAY_QUOTA_BURST", "1000", "METAL_GATEWAY_QUOTA_MAX_CONCURRENT_REQUESTS", "1000");
    private static final Path REPORTS = ProjectPaths.root().resolve("e2e-tests/target/reliability-distributed");

    private static long classStart;
    private static KafkaCluster kafka;
    private static LocalRedisCluster redisCluster;
    private static LocalRedisSentinel sentinel;
    private static RedisConnector redisClient;
    private static TaskRegistrar registrar;
    private static ServiceProcess promptGenerator;
    private static final List<ServiceProcess> workers = new ArrayList<>();
    private static final List<ServiceProcess> gateways = new ArrayList<>();
    private static LoadClient client;
    private static List<TaskExample> train;
    private static List<String> inputs;
    /** One task per partition of the inference topics, all alike. */
    private static List<String> taskIds;
    private static Map<String, String> expected;
    private static Map<String, String> settings;

    @BeforeAll
    static void start() throws Exception {
        classStart = System.nanoTime();
        String loadAverage = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        TestInfrastructure.deleteTree(REPORTS);
        kafka = KafkaCluster.start("dist-faults", 3);
        redisCluster = LocalRedisCluster.start(3);
        try (TaskRoot root = TaskRoot.open(ProjectPaths.root().resolve("data/tasks.zip"))) {
            train = TaskLoader.loadFewShot(root.resolve("dev"), "dev_002", 16, 100);
            inputs = TaskLoader.loadTest(root.resolve("dev"), "dev_002").subList(0, 48).stream()
                    .map(TaskExample::input).toList();
        }
        taskIds = WorkerSystem.onePerPartition(6);
        startServices(redisCluster.url(), true);
        client = new LoadClient(kafka.bootstrap());

        settings = new LinkedHashMap<>();
        settings.put("machine", Runtime.getRuntime().availableProcessors() + " cores, load average " + loadAverage
                + " at the start (other jobs running)");
        settings.put("load", REQUESTS + " requests of one input each over " + taskIds.size() + " tasks (one per "
                + "partition), one every " + INTERVAL.toMillis() + " ms, through the Kafka topics; the fault starts "
                + "before request " + FAULT_AT + "; the client waits up to " + WAIT.toSeconds() + " s after the last one");
        settings.put("HTTP load (gateway row)", CALLS + " prediction calls of " + INPUTS_PER_CALL + " inputs each over "
                + "the same tasks, one every " + CALL_INTERVAL.toMillis() + " ms, each in its own thread, through a "
                + "round-robin TCP balancer in front of both gateways (a gateway refusing connections is skipped, as a "
                + "Service skips a dead pod), over HTTP/1.1 (a connection per call in progress); the fault starts "
                + "before call " + CALL_FAULT_AT + "; MetalClient retries 429/503/504 after Retry-After and a call "
                + "without an answer with the same Idempotency-Key (backoff "
                + "0.2 s doubling up to 2 s), at most " + RETRIES.maxAttempts() + " attempts within "
                + RETRIES.maxTotal().toSeconds() + " s; duplicated = request ids with more than one result on "
                + Topics.INFERENCE_RESULTS + " (read_committed)");
        settings.put("system", "2 gateways, 1 prompt-generator, 2 inference-workers (packaged, tiny test models); "
                + "3 Kafka 4.1.2 brokers, each its own JVM (KRaft, controller and broker), every topic with replication "
                + "factor 3 and min.insync.replicas=2, the services' producers acks=all and idempotent; a Redis Cluster "
                + "of 3 masters and 3 replicas (cluster-node-timeout 2 s), for the Sentinel row a master, 2 replicas "
                + "and 3 Sentinels (quorum 2, down after 1 s; prompt-generator and workers restarted on it)");
        settings.put("client", "reads metal.inference-results with isolation.level=read_committed, no de-duplication");

        // the unfaulted run: its predictions are the expected ones in every row
        Tally baseline = client.run("none (baseline)", "", taskIds, TENANT, inputs, REQUESTS, INTERVAL, -1, null,
                WAIT, Map.of(), settings);
        baseline.write(REPORTS, "0-baseline");
        System.out.println("[dist-faults] " + baseline);
        assertEquals(REQUESTS, baseline.answered(), baseline::toString);
        assertEquals(0, baseline.duplicated(), baseline::toString);
        expected = client.lastChoices();
    }

    @AfterAll
    static void stop() throws Exception {
        stopServices();
        for (AutoCloseable c : new AutoCloseable[] {client, registrar, redisClient, kafka, redisCluster, sentinel}) {
            if (c != null) {
                c.close();
            }
        }
        long seconds = (System.nanoTime() - classStart) / 1_000_000_000;
        System.out.println("[dist-faults] the class took " + seconds + " s");
        if (Files.isDirectory(REPORTS)) {
            Files.writeString(REPORTS.resolve("table.md"), Tally.table(REPORTS)
                    + "- the test class took " + seconds + " s, services and infrastructure started included\n");
        }
    }

    @Test
    @Order(1)
    void oneBrokerOfThreeKilledAndRestarted() throws Exception {
        int victim = kafka.activeController();
        long led = kafka.leaders(Topics.INFERENCE_REQUESTS).values().stream().filter(l -> l == victim).count();
        long[] away = new long[1];
        long t0 = System.nanoTime();
        Tally t = client.run("kill -9 of one Kafka broker of three, started again at once (node " + victim + ": the "
                + "active controller, leader of " + led + " of 6 partitions of " + Topics.INFERENCE_REQUESTS + ")", "",
                taskIds, TENANT, inputs, REQUESTS, INTERVAL, FAULT_AT, () -> {
                    long k = System.nanoTime();
                    kafka.broker(victim).kill();
                    kafka.broker(victim).launch();
                    away[0] = (System.nanoTime() - k) / 1_000_000;
                }, WAIT, expected, settings);
        kafka.awaitInSync(Duration.ofSeconds(120));
        double inSync = (System.nanoTime() - t0) / 1e9;
        t = t.withDetail(String.format("away %.1f s; all replicas in sync again %.0f s after the run began", away[0] / 1e3,
                inSync));
        record(t, "1-broker-kill-restart");
        assertEquals(REQUESTS, t.answered(), t::toString);
        t.assertClean();
        awaitServicesReady();
    }

    @Test
    @Order(2)
    void leaderOfTheRequestsTopicKilled() throws Exception {
        Map<Integer, Integer> leaders = kafka.leaders(Topics.INFERENCE_REQUESTS);
        Map<Integer, Long> byBroker = new HashMap<>();
        leaders.values().forEach(l -> byBroker.merge(l, 1L, Long::sum));
        int victim = byBroker.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        KafkaBroker broker = kafka.broker(victim);
        long[] moved = new long[1];
        Tally t = client.run("kill -9 of the partition leader of " + Topics.INFERENCE_REQUESTS + " (node " + victim
                + ", leader of " + byBroker.get(victim) + " of 6 partitions), down for the rest of the run", "",
                taskIds, TENANT, inputs, REQUESTS, INTERVAL, FAULT_AT, () -> {
                    long k = System.nanoTime();
                    broker.kill();
                    kafka.awaitNotLeading(Topics.INFERENCE_REQUESTS, victim, Duration.ofSeconds(60));
                    moved[0] = (System.nanoTime() - k) / 1_000_000;
                }, WAIT, expected, settings);
        t = t.withDetail(String.format("new leaders elected %.1f s after the kill; the broker restarted after the run",
                moved[0] / 1e3));
        record(t, "2-requests-leader-kill");
        broker.launch();
        kafka.awaitInSync(Duration.ofSeconds(120));
        assertEquals(REQUESTS, t.answered(), t::toString);
        t.assertClean();
        awaitServicesReady();
    }

    @Test
    @Order(3)
    void aRedisClusterMasterKilledItsReplicaTakesOver() throws Exception {
        // the master holding the most of the tasks' slots; its replica is the node formed after the masters
        Map<Integer, Integer> tasksByPort = new HashMap<>();
        RedisClusterClient cluster = RedisClusterClient.create(RedisURI.create("redis://127.0.0.1:"
                + redisCluster.ports().get(0)));
        try {
            cluster.refreshPartitions();
            for (String id : taskIds) {
                int port = cluster.getPartitions().getPartitionBySlot(SlotHash.getSlot(TaskStore.taskKey(id)))
                        .getUri().getPort();
                tasksByPort.merge(port, 1, Integer::sum);
            }
        } finally {
            cluster.shutdown();
        }
        int port = tasksByPort.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        int master = redisCluster.ports().indexOf(port);
        int replicaPort = redisCluster.ports().get(master + redisCluster.ports().size() / 2);
        long[] promoted = new long[1];
        Tally t = client.run("kill -9 of a Redis Cluster master (the slots of " + tasksByPort.get(port) + " of the 6 "
                + "tasks), its replica takes over", "", taskIds, TENANT, inputs, REQUESTS, INTERVAL, FAULT_AT, () -> {
                    long k = System.nanoTime();
                    LocalRedisSentinel.kill9(port);
                    awaitRedis(replicaPort, info -> info.contains("role:master"), "the replica to be promoted");
                    promoted[0] = (System.nanoTime() - k) / 1_000_000;
                }, WAIT, expected, settings);
        t = t.withDetail(String.format("replica promoted %.1f s after the kill; the old master started again after the "
                + "run, now its replica", promoted[0] / 1e3));
        record(t, "3-redis-cluster-master-kill");
        redisCluster.startNode(master);
        awaitRedis(port, info -> info.contains("role:slave") && info.contains("master_link_status:up"),
                "the old master to follow its replica");
        assertEquals(REQUESTS, t.answered() + t.clearErrors(), t::toString);
        assertTrue(t.errors().keySet().stream().allMatch("FAILED"::equals), t::toString);
        t.assertClean();
    }

    @Test
    @Order(4)
    void oneGatewayOfTwoKilledMidRequest() throws Exception {
        String key;
        try (RedisConnector redis = new RedisConnector(redisCluster.url(), Duration.ofSeconds(5))) {
            key = new ApiKeys(redis).create(TENANT).key();
        }
        ServiceProcess victim = gateways.get(0);
        try (Balancer balancer = new Balancer(gateways.stream().map(ServiceProcess::baseUrl).toList());
             TopicReader results = new TopicReader(kafka.bootstrap(), Topics.INFERENCE_RESULTS);
             // HTTP/1.1: a connection per call in progress, spread over both gateways (over HTTP/2 the calls would
             // share one connection, so one gateway)
             HttpLoad load = new HttpLoad(http -> MetalClient.builder(URI.create(balancer.baseUrl()), key)
                     .httpClient(http).requestTimeout(REQUEST_TIMEOUT).retryPolicy(RETRIES).build(),
                     java.net.http.HttpClient.Version.HTTP_1_1)) {
            // the baseline covers the first 33 inputs of every task: the calls use 30 of them
            Tally calls = load.run("kill -9 of one of two gateways mid-request (HTTP calls through a balancer in front "
                    + "of both)", "", taskIds, inputs.subList(0, 30), CALLS, INPUTS_PER_CALL, CALL_INTERVAL,
                    CALL_FAULT_AT, victim::kill, Duration.ofSeconds(120), expected, settings);
            Thread.sleep(2000);   // a late second result would show up now
            Map<String, Integer> perRequest = new HashMap<>();
            Predicate<ConsumerRecord<byte[], byte[]>> ours = r -> r.key() != null
                    && taskIds.contains(new String(r.key(), StandardCharsets.UTF_8));
            for (ConsumerRecord<byte[], byte[]> r : results.matching(ours)) {
                perRequest.merge(EventCodec.decode(r.value(), InferenceResult.class).requestId(), 1, Integer::sum);
            }
            int duplicated = (int) perRequest.values().stream().filter(n -> n > 1).count();
            Tally t = new Tally(calls.fault(), load.retriesSummary() + "; " + perRequest.size() + " requests on "
                    + Topics.INFERENCE_RESULTS + " for " + CALLS + " calls; connections to the killed and the other "
                    + "gateway " + balancer.connections() + ", " + balancer.skipped() + " skipped the dead one",
                    calls.sent(), calls.answered(), calls.clearErrors(), calls.lost(),
                    duplicated, calls.wrong(), calls.errors(), calls.slowestMillis(), calls.millis(), settings);
            record(t, "5-gateway-kill");
            assertEquals(CALLS, t.answered(), t::toString);
            t.assertClean();
            assertTrue(load.lastRetriedCalls() > 0, "calls met the killed gateway and were sent again: " + t);
        }
    }

    @Test
    @Order(5)
    void theSentinelMasterKilledAReplicaTakesOver() throws Exception {
        stopServices();
        sentinel = LocalRedisSentinel.start();
        startServices(sentinel.url(), false);
        redisClient.sync().waitForReplication(2, 5000);   // what a replica has not got, a failover loses
        Tally before = client.run("before", "", taskIds, TENANT, inputs, 30, INTERVAL, -1, null, WAIT, expected, Map.of());
        assertEquals(30, before.answered(), () -> "the services on the Sentinel set answer as the baseline: " + before);
        before.assertClean();

        RedisURI sentinels = RedisURI.create(sentinel.url());
        int masterPort = sentinel.dataPorts().get(0);
        long[] promoted = new long[1];
        int[] newMaster = new int[1];
        Tally t = client.run("kill -9 of the Redis master under 3 Sentinels (2 replicas; services on redis-sentinel://)",
                "", taskIds, TENANT, inputs, REQUESTS, INTERVAL, FAULT_AT, () -> {
                    long k = System.nanoTime();
                    LocalRedisSentinel.kill9(masterPort);
                    RedisClient c = RedisClient.create(sentinels.getSentinels().get(0));
                    try (StatefulRedisSentinelConnection<String, String> s = c.connectSentinel()) {
                        while ((newMaster[0] = ((InetSocketAddress) s.sync().getMasterAddrByName(LocalRedisSentinel.MASTER))
                                .getPort()) == masterPort) {
                            if (System.nanoTime() - k > 60_000_000_000L) {
                                throw new IllegalStateException("the Sentinels named no new master within 60 s");
                            }
                            Thread.sleep(100);
                        }
                    } finally {
                        c.shutdown();
                    }
                    promoted[0] = (System.nanoTime() - k) / 1_000_000;
                }, WAIT, expected, settings);
        t = t.withDetail(String.format("the Sentinels named a replica master %.1f s after the kill", promoted[0] / 1e3));
        record(t, "4-sentinel-master-kill");
        assertTrue(sentinel.dataPorts().contains(newMaster[0]) && newMaster[0] != masterPort);
        assertEquals(REQUESTS, t.answered() + t.clearErrors(), t::toString);
        assertTrue(t.errors().keySet().stream().allMatch("FAILED"::equals), t::toString);
        t.assertClean();
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    /**
     * Starts the prompt-generator and two workers (and two gateways) on {@code redisUrl} and the brokers, registers
     * the tasks there (the same ids and examples every time) and waits until they are ready.
     */
    private static void startServices(String redisUrl, boolean withGateways) throws Exception {
        if (registrar != null) {
            registrar.close();
            redisClient.close();
        }
        redisClient = new RedisConnector(redisUrl, Duration.ofSeconds(2));
        registrar = new TaskRegistrar(kafka.bootstrap(), new TaskStore(redisClient), TENANT, train);
        Map<String, String> env = ServiceProcess.tinyModelsEnv(kafka.bootstrap(), redisUrl);
        promptGenerator = ServiceProcess.start("prompt-generator", TestInfrastructure.freePort(), env);
        workers.add(ServiceProcess.start("inference-worker", TestInfrastructure.freePort(), env));
        workers.add(ServiceProcess.start("inference-worker", TestInfrastructure.freePort(), env));
        if (withGateways) {
            Map<String, String> gatewayEnv = new HashMap<>(env);
            gatewayEnv.putAll(UNLIMITED);
            gateways.add(ServiceProcess.start("gateway", TestInfrastructure.freePort(), gatewayEnv));
            gateways.add(ServiceProcess.start("gateway", TestInfrastructure.freePort(), gatewayEnv));
        }
        awaitServicesReady();
        for (String id : taskIds) {
            registrar.register(id, null);
        }
        registrar.awaitReady(taskIds, Duration.ofSeconds(120), "prompt-generator log: " + promptGenerator.log());
    }

    private static void awaitServicesReady() throws Exception {
        for (ServiceProcess s : services()) {
            s.awaitReady(Duration.ofSeconds(180));
        }
    }

    private static List<ServiceProcess> services() {
        List<ServiceProcess> all = new ArrayList<>(gateways);
        if (promptGenerator != null) {
            all.add(promptGenerator);
        }
        all.addAll(workers);
        return all;
    }

    private static void stopServices() throws InterruptedException {
        for (ServiceProcess s : services()) {
            s.close();
        }
        gateways.clear();
        workers.clear();
        promptGenerator = null;
    }

    private static void record(Tally t, String name) throws Exception {
        t.write(REPORTS, name);
        System.out.println("[dist-faults] " + t + "; " + t.detail());
    }

    /** Polls {@code INFO replication} of the Redis on {@code port} until {@code ok} (60 s at most). */
    private static void awaitRedis(int port, Predicate<String> ok, String what) throws InterruptedException {
        RedisClient c = RedisClient.create(RedisURI.create("redis://127.0.0.1:" + port));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try {
            while (true) {
                try (StatefulRedisConnection<String, String> conn = c.connect()) {
                    if (ok.test(conn.sync().info("replication"))) {
                        return;
                    }
                } catch (RuntimeException notYet) {
                    // starting
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("waited 60 s for " + what + " (Redis on port " + port + ")");
                }
                Thread.sleep(100);
            }
        } finally {
            c.shutdown();
        }
    }
}
