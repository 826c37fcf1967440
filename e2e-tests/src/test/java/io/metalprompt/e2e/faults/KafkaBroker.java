package io.metalprompt.e2e.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import io.metalprompt.testing.ProjectPaths;
import io.metalprompt.testing.TestInfrastructure;
import io.metalprompt.testing.TopicsConf;

/**
 * A single-node KRaft broker in its own JVM (the {@code kafka_2.13} jars of this test's classpath), configured as
 * {@code deploy/local/infra.sh} configures the local one: it can be stopped and started again on the same ports
 * with the same log directory, which an in-process test broker cannot. {@link #startSecured} runs it as
 * {@code METAL_KAFKA_SECURITY=scram deploy/local/infra.sh start} does: SCRAM listeners and the StandardAuthorizer
 * ({@code deploy/local/kafka/scram.properties}), the users and ACLs of {@code deploy/kafka-acls.conf} applied by the
 * same {@code deploy/local/lib/KafkaSecurity.java}. {@link KafkaCluster} runs three of them as one cluster.
 */
public final class KafkaBroker implements AutoCloseable {

    private final Path dir;
    private final Path log;
    private final int port;
    private final int controllerPort;
    private final String adminPassword;
    /** This node's id and the controller quorum's {@code id@host:port} list (itself alone for a single node). */
    private int nodeId = 1;
    private String voters;
    /** Replicas of each internal topic's partitions: 1 for a single node, 3 for a node of {@link KafkaCluster}. */
    private short replicas = 1;
    private Process process;

    private KafkaBroker(Path dir, Path log, String adminPassword) {
        this.dir = dir;
        this.log = log;
        this.port = TestInfrastructure.freePort();
        this.controllerPort = TestInfrastructure.freePort();
        this.adminPassword = adminPassword;
        this.voters = "1@127.0.0.1:" + controllerPort;
    }

    /** A node of a multi-broker cluster ({@link KafkaCluster}): not configured, formatted or started yet. */
    static KafkaBroker node(Path dir, Path log, int nodeId, short replicas) {
        KafkaBroker broker = new KafkaBroker(dir, log, null);
        broker.nodeId = nodeId;
        broker.replicas = replicas;
        return broker;
    }

    /** This node's {@code id@host:port} in {@code controller.quorum.voters}. */
    String voter() {
        return nodeId + "@127.0.0.1:" + controllerPort;
    }

    public int nodeId() {
        return nodeId;
    }

    /** Formats a log directory under {@code dir}, starts the broker and creates the topics of deploy/topics.conf. */
    public static KafkaBroker start(Path dir, Path log) throws IOException, InterruptedException {
        KafkaBroker broker = new KafkaBroker(dir, log, null);
        broker.writeConfig();
        broker.format(clusterId());
        broker.launch();
        broker.createTopics();
        return broker;
    }

    /**
     * As {@link #start}, secured: SASL/SCRAM and ACLs; then the principals and ACLs of deploy/kafka-acls.conf, their
     * passwords and client configs in {@link #credentials()}.
     */
    public static KafkaBroker startSecured(Path dir, Path log) throws IOException, InterruptedException {
        byte[] random = new byte[18];
        new java.security.SecureRandom().nextBytes(random);
        KafkaBroker broker = new KafkaBroker(dir, log, java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(random));
        Files.createDirectories(broker.credentials());
        Files.writeString(broker.credentials().resolve("admin.password"), broker.adminPassword + "\n");
        broker.writeConfig();
        broker.format(clusterId());
        broker.launch();
        broker.createTopics();
        broker.applyAcls();
        return broker;
    }

    /** Where {@code KafkaSecurity.java} keeps the principals' passwords and client configs (secured mode). */
    public Path credentials() {
        return dir.resolve("credentials");
    }

    /** The client settings of {@code principal} (secured mode): security protocol, mechanism, JAAS config. */
    public Map<String, Object> clientConfig(String principal) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(credentials().resolve(principal + ".properties"))) {
            p.load(in);
        }
        Map<String, Object> config = new java.util.HashMap<>();
        p.stringPropertyNames().forEach(n -> config.put(n, p.getProperty(n)));
        return config;
    }

    /** The same settings as a service takes them: {@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_MECHANISM}, ... */
    public Map<String, String> serviceEnv(String principal) throws IOException {
        Map<String, String> env = new java.util.HashMap<>();
        clientConfig(principal).forEach((k, v) -> env.put("KAFKA_" + k.toUpperCase(java.util.Locale.ROOT)
                .replace('.', '_'), v.toString()));
        return env;
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    private Path config() {
        return dir.resolve("server.properties");
    }

    /** Writes {@code server.properties}; a cluster node's with the quorum of {@code voters} (every node's {@link #voter()}). */
    void writeConfig(String voters) throws IOException {
        this.voters = voters;
        writeConfig();
    }

    private void writeConfig() throws IOException {
        Files.createDirectories(dir.resolve("data"));
        String listeners = adminPassword == null ? String.join("\n",
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT")
                : Files.readString(ProjectPaths.root().resolve("deploy/local/kafka/scram.properties"))
                        .replace("@PORT@", Integer.toString(port))
                        .replace("@CONTROLLER_PORT@", Integer.toString(controllerPort))
                        .replace("@ADMIN_PASSWORD@", adminPassword).strip();
        String rf = Short.toString(replicas);
        String minIsr = Integer.toString(Math.min(2, replicas));
        Files.writeString(config(), String.join("\n",
                "node.id=" + nodeId,
                "process.roles=broker,controller",
                "controller.quorum.voters=" + voters,
                "controller.listener.names=CONTROLLER",
                listeners,
                "log.dirs=" + dir.resolve("data"),
                // as deploy/local/infra.sh's brokers: with three, every record on three, acknowledged once on two
                replicas > 1 ? "default.replication.factor=" + rf + "\nmin.insync.replicas=" + minIsr
                        + "\nunclean.leader.election.enable=false" : "",
                "offsets.topic.replication.factor=" + rf,
                "offsets.topic.num.partitions=6",
                "transaction.state.log.replication.factor=" + rf,
                "transaction.state.log.min.isr=" + minIsr,
                "share.coordinator.state.topic.replication.factor=" + rf,
                "share.coordinator.state.topic.min.isr=" + minIsr,
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "num.partitions=1",
                // a transaction left open by a killed producer is aborted within its timeout plus this interval
                "transaction.abort.timed.out.transaction.cleanup.interval.ms=2000",
                "") );
    }

    private List<String> java(String mainClass, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return command;
    }

    /** Formats the log directory for the cluster {@code clusterId} (the same id on every node of a cluster). */
    void format(String clusterId) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java("kafka.tools.StorageTool", "format", "-t", clusterId, "-c",
                config().toString())).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("formatting the Kafka log directory failed; see " + log);
        }
    }

    /**
     * Kafka's own random id, which is never one whose base64 starts with '-' (a hand-made one did so 1 time in 64, and
     * the storage tool then read it as an option: "argument --cluster-id: expected one argument").
     */
    static String clusterId() {
        return org.apache.kafka.common.Uuid.randomUuid().toString();
    }

    /** Starts the broker process on the same ports and log directory as before and waits until it answers. */
    public synchronized void launch() throws IOException, InterruptedException {
        spawn();
        awaitReady(Duration.ofSeconds(120));
    }

    /**
     * Starts the broker process without waiting (the nodes of a cluster answer only once a majority of the
     * controller quorum runs: all are spawned, then awaited).
     */
    synchronized void spawn() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the broker is already running");
        }
        process = new ProcessBuilder(java("kafka.Kafka", config().toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** {@code kill -9}: no controlled shutdown, nothing flushed; its partitions' leadership moves when the controller notices. */
    public synchronized void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }

    /** SIGTERM and wait: a clean broker shutdown, as an operator's restart does. */
    public synchronized void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Kafka broker exited with " + process.exitValue() + "; see " + log);
            }
            try (Admin admin = admin()) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                admin.listTopics().names().get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                last = new IllegalStateException(e.getMessage(), e);
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the Kafka broker did not answer within " + timeout + "; see " + log, last);
    }

    /** Applies deploy/kafka-acls.conf with deploy/local/lib/KafkaSecurity.java, as infra.sh does. */
    private void applyAcls() throws IOException, InterruptedException {
        Path root = ProjectPaths.root();
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), root.resolve("deploy/local/lib/KafkaSecurity.java").toString(),
                bootstrap(), root.resolve("deploy/kafka-acls.conf").toString(), credentials().toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("KafkaSecurity.java failed; see " + log);
        }
    }

    /** An admin client: the broker's "admin" user (PLAIN) when secured. */
    public Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        if (adminPassword != null) {
            props.put("security.protocol", "SASL_PLAINTEXT");
            props.put("sasl.mechanism", "PLAIN");
            props.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                    + "username=\"admin\" password=\"" + adminPassword + "\";");
        }
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        return Admin.create(props);
    }

    /** The topics of deploy/topics.conf, each partition on {@code replicas} brokers ({@code min.insync.replicas} 2 with three). */
    void createTopics() throws InterruptedException {
        try (Admin admin = admin()) {
            for (TopicsConf.Spec spec : TopicsConf.read(TopicsConf.defaultPath())) {
                Map<String, String> configs = new java.util.HashMap<>(spec.configs());
                if (replicas >= 3) {
                    configs.put("min.insync.replicas", "2");
                }
                try {
                    admin.createTopics(List.of(new NewTopic(spec.name(), spec.partitions(), replicas)
                            .configs(configs))).all().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create topic " + spec.name(), e.getCause());
                    }
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException("creating topic " + spec.name() + " timed out", e);
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
