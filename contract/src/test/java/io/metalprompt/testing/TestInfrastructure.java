package io.metalprompt.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.kafka.KafkaContainer;

import redis.embedded.RedisServer;

/**
 * The Kafka broker and Redis server that tests run against, started once per JVM and stopped at exit.
 *
 * <p>Where they come from, in this order:
 * <ol>
 *   <li>servers named in the environment ({@code KAFKA_BOOTSTRAP_SERVERS}, {@code METAL_REDIS_URL}),
 *       for example the ones {@code deploy/local/infra.sh start} runs;</li>
 *   <li>Testcontainers, when a Docker engine answers;</li>
 *   <li>otherwise an in-process KRaft broker ({@link KafkaClusterTestKit}) and the redis-server binary
 *       bundled in {@code embedded-redis}.</li>
 * </ol>
 * Each is a real server speaking the real protocol; no test is skipped for want of Docker.
 * The topics of {@code deploy/topics.conf} are created explicitly, as in production.
 *
 * <p>A three-broker Kafka is not started here: the end-to-end tests run one in JVMs of their own (e2e-tests,
 * {@code faults/KafkaCluster}). Three in-process nodes of {@link KafkaClusterTestKit} (Kafka 4.1.2) lose their quorum
 * about two seconds after the first election: the test kit starts their raft clients with no endpoint of their own,
 * so the leader answers each follower's UpdateRaftVoter with INVALID_REQUEST, which stops the follower's raft thread.
 */
public final class TestInfrastructure {

    public enum Source { ENVIRONMENT, TESTCONTAINERS, IN_PROCESS }

    private static TestInfrastructure instance;

    private final Source kafkaSource;
    private final Source redisSource;
    private final String kafkaBootstrap;
    private final String redisUrl;
    private final AutoCloseable kafkaHandle;
    private final AutoCloseable redisHandle;

    private TestInfrastructure(Source kafkaSource, String kafkaBootstrap, AutoCloseable kafkaHandle,
                               Source redisSource, String redisUrl, AutoCloseable redisHandle) {
        this.kafkaSource = kafkaSource;
        this.kafkaBootstrap = kafkaBootstrap;
        this.kafkaHandle = kafkaHandle;
        this.redisSource = redisSource;
        this.redisUrl = redisUrl;
        this.redisHandle = redisHandle;
    }

    /** System properties that hand the started servers to copies of this class in other class loaders. */
    private static final String SHARED_KAFKA = "metalprompt.test.kafka";
    private static final String SHARED_REDIS = "metalprompt.test.redis";

    /**
     * The servers for this JVM, started on first use. Quarkus loads test classes again for each application
     * restart, so the servers are handed on through system properties: one broker and one Redis per JVM.
     */
    public static TestInfrastructure get() {
        synchronized (System.class) {
            if (instance == null) {
                String kafka = System.getProperty(SHARED_KAFKA);
                String redis = System.getProperty(SHARED_REDIS);
                if (kafka != null && redis != null) {
                    instance = new TestInfrastructure(Source.ENVIRONMENT, kafka, () -> { },
                            Source.ENVIRONMENT, redis, () -> { });
                } else {
                    TestInfrastructure started = start();
                    Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "test-infrastructure-stop"));
                    System.setProperty(SHARED_KAFKA, started.kafkaBootstrap);
                    System.setProperty(SHARED_REDIS, started.redisUrl);
                    instance = started;
                }
            }
            return instance;
        }
    }

    public String kafkaBootstrap() {
        return kafkaBootstrap;
    }

    public String redisUrl() {
        return redisUrl;
    }

    public Source kafkaSource() {
        return kafkaSource;
    }

    public Source redisSource() {
        return redisSource;
    }

    private static final String SHARED_REDIS_CLUSTER = "metalprompt.test.redis-cluster";
    private static String redisClusterUrl;

    /**
     * The seeds of a Redis Cluster of 3 masters and 3 replicas, started on first use (once per JVM, beside the single
     * Redis of {@link #redisUrl()}, stopped at exit): {@code METAL_REDIS_CLUSTER_URL} when set (for example the
     * cluster {@code deploy/local/infra.sh start-redis-cluster} runs), otherwise six redis-server processes of the
     * binary bundled in {@code embedded-redis}, formed into a cluster by {@link LocalRedisCluster}. (Testcontainers
     * has no Cluster image this project trusts; a Cluster is processes on this machine in every mode.)
     */
    public static String redisClusterUrl() {
        synchronized (System.class) {
            if (redisClusterUrl == null) {
                String shared = System.getProperty(SHARED_REDIS_CLUSTER);
                String env = System.getenv("METAL_REDIS_CLUSTER_URL");
                if (shared != null) {
                    redisClusterUrl = shared;
                } else if (env != null && !env.isBlank()) {
                    redisClusterUrl = env;
                } else {
                    long t0 = System.nanoTime();
                    LocalRedisCluster cluster = LocalRedisCluster.start(3);
                    Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "test-redis-cluster-stop"));
                    redisClusterUrl = cluster.url();
                    System.out.printf("[test-infrastructure] Redis Cluster %s (3 masters + 3 replicas, formed in %d ms)%n",
                            redisClusterUrl, (System.nanoTime() - t0) / 1_000_000);
                }
                System.setProperty(SHARED_REDIS_CLUSTER, redisClusterUrl);
            }
            return redisClusterUrl;
        }
    }

    /** Quarkus configuration pointing a service at these servers. */
    public Map<String, String> quarkusConfig() {
        return Map.of("kafka.bootstrap.servers", kafkaBootstrap, "metal.redis.url", redisUrl);
    }

    private static TestInfrastructure start() {
        boolean docker = dockerAvailable();
        String envKafka = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        String envRedis = System.getenv("METAL_REDIS_URL");

        Source kafkaSource;
        String bootstrap;
        AutoCloseable kafkaHandle;
        if (envKafka != null && !envKafka.isBlank()) {
            kafkaSource = Source.ENVIRONMENT;
            bootstrap = envKafka;
            kafkaHandle = () -> { };
        } else if (docker) {
            KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.2");
            kafka.start();
            kafkaSource = Source.TESTCONTAINERS;
            bootstrap = kafka.getBootstrapServers();
            kafkaHandle = kafka::stop;
        } else {
            Path dir = tempDir("metal-kafka");
            KafkaClusterTestKit cluster = startInProcessKafka(dir);
            kafkaSource = Source.IN_PROCESS;
            bootstrap = cluster.bootstrapServers();
            // close the broker, then delete its folder, in this order: a folder deleted under a running broker
            // is a log-dir failure, and Kafka halts the JVM on it (a non-zero exit after green tests)
            kafkaHandle = () -> {
                cluster.close();
                deleteTree(dir);
            };
        }
        createTopics(bootstrap);

        Source redisSource;
        String url;
        AutoCloseable redisHandle;
        if (envRedis != null && !envRedis.isBlank()) {
            redisSource = Source.ENVIRONMENT;
            url = envRedis;
            redisHandle = () -> { };
        } else if (docker) {
            GenericContainer<?> redis = new GenericContainer<>("redis:7.0-alpine").withExposedPorts(6379);
            redis.start();
            redisSource = Source.TESTCONTAINERS;
            url = "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379);
            redisHandle = redis::stop;
        } else {
            int port = freePort();
            RedisServer redis = startEmbeddedRedis(port);
            redisSource = Source.IN_PROCESS;
            url = "redis://127.0.0.1:" + port;
            redisHandle = redis::stop;
        }
        System.out.printf("[test-infrastructure] Kafka %s (%s), Redis %s (%s)%n",
                bootstrap, kafkaSource, url, redisSource);
        return new TestInfrastructure(kafkaSource, bootstrap, kafkaHandle, redisSource, url, redisHandle);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    private static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary folder: " + e.getMessage(), e);
        }
    }

    /** Deletes a folder and everything in it (a temporary folder of a server, a test's work folder). */
    public static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static KafkaClusterTestKit startInProcessKafka(Path baseDir) {
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setBaseDirectory(baseDir)
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
                    .setConfigProp("auto.create.topics.enable", "false")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "4")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setDeleteOnClose(false)
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return cluster;
        } catch (Exception e) {
            throw new IllegalStateException("could not start the in-process Kafka broker: " + e.getMessage(), e);
        }
    }

    private static RedisServer startEmbeddedRedis(int port) {
        try {
            Path dir = Files.createTempDirectory("metal-redis");
            RedisServer redis = RedisServer.newRedisServer()
                    .bind("127.0.0.1")
                    .port(port)
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("dir " + dir)
                    .build();
            redis.start();
            return redis;
        } catch (IOException e) {
            throw new IllegalStateException("could not start the embedded Redis server: " + e.getMessage(), e);
        }
    }

    /** Creates every topic of {@code deploy/topics.conf}, as the local scripts and the Helm job do. */
    private static void createTopics(String bootstrap) {
        List<TopicsConf.Spec> specs = TopicsConf.read(TopicsConf.defaultPath());
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            for (TopicsConf.Spec spec : specs) {
                NewTopic topic = new NewTopic(spec.name(), spec.partitions(), (short) 1).configs(spec.configs());
                try {
                    admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create topic " + spec.name() + ": "
                                + e.getCause().getMessage(), e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrap + " did not create the topics within 30 s", e);
        }
    }

    /**
     * A port to start a server on, free now and below the kernel's ephemeral range. A port the kernel hands out for
     * {@code bind(0)} comes from the same range as the local ports of outgoing connections, and the tests open many
     * (Kafka and Redis clients): between this call and the server's bind such a connection took the port (a service's
     * management interface failed to start with "Address already in use", twice in a row). Random ports from
     * 10000 up to the range's start are checked by binding them; elsewhere than Linux it falls back to {@code bind(0)}.
     * A port is handed out once per JVM: a service takes seconds to bind the ports it was given, and a second call
     * meanwhile found one of them still free and gave it to another service (a prompt-generator and a gateway got the
     * same management port; the prompt-generator failed to start, and its readiness check, answered by the gateway on
     * that port, passed).
     */
    public static int freePort() {
        int below = ephemeralStart();
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; below > 11_000 && attempt < 100; attempt++) {
            int port = random.nextInt(10_000, below);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException taken) {
                // try another
            }
        }
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket socket = new ServerSocket(0)) {
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new IllegalStateException("no free local port", e);
            }
        }
        throw new IllegalStateException("no free local port that this JVM has not handed out already");
    }

    /** Every port {@link #freePort} returned in this JVM. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The first port of the kernel's ephemeral range (Linux), or 0 when it cannot be read. */
    private static int ephemeralStart() {
        try {
            String range = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
            return Integer.parseInt(range.trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private void stop() {
        for (AutoCloseable handle : List.of(kafkaHandle, redisHandle)) {
            try {
                handle.close();
            } catch (Exception e) {
                System.err.println("[test-infrastructure] stop failed: " + e.getMessage());
            }
        }
    }
}
