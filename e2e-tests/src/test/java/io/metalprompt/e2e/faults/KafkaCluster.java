package io.metalprompt.e2e.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

import io.metalprompt.testing.ProjectPaths;
import io.metalprompt.testing.TestInfrastructure;

/**
 * Three KRaft brokers, each in its own JVM and each controller and broker, as {@code METAL_KAFKA_BROKERS=3
 * deploy/local/infra.sh start} runs them: every topic of deploy/topics.conf (and the internal ones) with replication
 * factor 3 and {@code min.insync.replicas=2}, unclean leader election off. A broker can be killed ({@code kill -9}) and
 * started again on its ports and log directory ({@link KafkaBroker}), so that a test can take one away under load.
 */
public final class KafkaCluster implements AutoCloseable {

    private final List<KafkaBroker> brokers;

    private KafkaCluster(List<KafkaBroker> brokers) {
        this.brokers = brokers;
    }

    /**
     * Formats {@code nodes} log directories with one cluster id, starts them and creates the topics: the directories under
     * {@code e2e-tests/target/<name>/kafka} (emptied first), each broker's output in
     * {@code e2e-tests/target/service-logs/<name>-kafka-<node>.log} beside the services' logs.
     */
    public static KafkaCluster start(String name, int nodes) throws Exception {
        Path dir = ProjectPaths.root().resolve("e2e-tests/target").resolve(name).resolve("kafka");
        TestInfrastructure.deleteTree(dir);
        Path logDir = Files.createDirectories(ProjectPaths.root().resolve("e2e-tests/target/service-logs"));
        List<KafkaBroker> brokers = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            brokers.add(KafkaBroker.node(dir.resolve("node-" + i), logDir.resolve(name + "-kafka-" + i + ".log"), i,
                    (short) nodes));
        }
        KafkaCluster cluster = new KafkaCluster(brokers);
        try {
            String voters = brokers.stream().map(KafkaBroker::voter).collect(Collectors.joining(","));
            String clusterId = KafkaBroker.clusterId();
            for (KafkaBroker b : brokers) {
                Files.createDirectories(dir);
                b.writeConfig(voters);
                b.format(clusterId);
            }
            for (KafkaBroker b : brokers) {
                b.spawn();   // all at once: a node answers only once a majority of the quorum runs
            }
            for (KafkaBroker b : brokers) {
                b.awaitReady(Duration.ofSeconds(120));
            }
            brokers.get(0).createTopics();
            cluster.awaitInSync(Duration.ofSeconds(60));
            return cluster;
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    /** Every broker's address, as {@code KAFKA_BOOTSTRAP_SERVERS} takes them. */
    public String bootstrap() {
        return brokers.stream().map(KafkaBroker::bootstrap).collect(Collectors.joining(","));
    }

    /** The broker whose {@code node.id} is {@code nodeId}. */
    public KafkaBroker broker(int nodeId) {
        return brokers.stream().filter(b -> b.nodeId() == nodeId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no broker " + nodeId));
    }

    public List<KafkaBroker> brokers() {
        return List.copyOf(brokers);
    }

    /** An admin client of the whole cluster (any live broker answers). */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000));
    }

    /** Node id of each partition's leader of {@code topic} (-1: none), by partition. */
    public Map<Integer, Integer> leaders(String topic) throws Exception {
        try (Admin admin = admin()) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic);
            Map<Integer, Integer> out = new TreeMap<>();
            for (TopicPartitionInfo p : d.partitions()) {
                out.put(p.partition(), p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id());
            }
            return out;
        }
    }

    /** The node id of the active controller (the leader of the KRaft quorum). */
    public int activeController() throws Exception {
        try (Admin admin = admin()) {
            return admin.describeMetadataQuorum().quorumInfo().get(15, TimeUnit.SECONDS).leaderId();
        }
    }

    /** Waits until no partition of {@code topic} is led by {@code nodeId} (the controller has moved them away). */
    public void awaitNotLeading(String topic, int nodeId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (leaders(topic).containsValue(nodeId) || leaders(topic).containsValue(-1)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("broker " + nodeId + " still leads partitions of " + topic + " after "
                        + timeout + ": " + leaders(topic));
            }
            Thread.sleep(100);
        }
    }

    /**
     * Waits until every partition of every topic, the internal ones included, has all its replicas in sync (after a
     * broker came back: until then another broker's death would stop writes at {@code min.insync.replicas=2}).
     */
    public void awaitInSync(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String behind = "";
        while (System.nanoTime() < deadline) {
            try (Admin admin = admin()) {
                var names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(15, TimeUnit.SECONDS);
                behind = admin.describeTopics(names).allTopicNames().get(15, TimeUnit.SECONDS).values().stream()
                        .flatMap(d -> d.partitions().stream()
                                .filter(p -> p.isr().size() < p.replicas().size() || p.leader() == null)
                                .map(p -> d.name() + "-" + p.partition() + " isr " + p.isr().stream().map(Node::id).toList()))
                        .collect(Collectors.joining(", "));
                if (behind.isEmpty()) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                behind = e.toString();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("replicas not in sync within " + timeout + ": " + behind);
    }

    @Override
    public void close() throws InterruptedException {
        // all at once: the last broker of a quorum cannot shut down alone (as deploy/local/infra.sh stops them)
        List<Thread> stops = new ArrayList<>();
        for (KafkaBroker b : brokers) {
            Thread t = new Thread(() -> {
                try {
                    b.stop();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "stop-kafka-" + b.nodeId());
            t.start();
            stops.add(t);
        }
        for (Thread t : stops) {
            t.join();
        }
    }
}
