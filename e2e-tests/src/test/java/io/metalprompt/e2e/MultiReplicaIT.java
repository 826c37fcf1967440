package io.metalprompt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.metalprompt.client.Example;
import io.metalprompt.client.MetalClient;
import io.metalprompt.client.TaskRequest;
import io.metalprompt.e2e.faults.KafkaCluster;
import io.metalprompt.eval.Evaluator;
import io.metalprompt.events.Topics;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.prompt.PromptConditioner;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.store.ApiKeys;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.testing.ProjectPaths;
import io.metalprompt.testing.TestInfrastructure;
import io.metalprompt.testing.TinyModels;

/**
 * Several replicas of every service on the distributed engines (issue 15, item 3): 2 gateways, 2 prompt-generators and
 * 3 inference-workers, packaged, against a three-broker Kafka (topics with replication factor 3, min.insync.replicas 2)
 * and a Redis Cluster of 3 masters and 3 replicas. The brokers are {@link KafkaCluster}'s, each in a JVM of its own as
 * {@code METAL_KAFKA_BROKERS=3 deploy/local/infra.sh start} runs them, or those {@code METAL_KAFKA_CLUSTER_BOOTSTRAP}
 * names. Tasks are registered through both gateways and predicted through both; every answer equals the evaluation's,
 * and each registration is generated once although two prompt-generators share the topic. Heavy (7 service JVMs and 3
 * broker JVMs): run with {@code -Pscale} (e2e-tests/pom.xml).
 */
class MultiReplicaIT {

    private static final List<ServiceProcess> gateways = new ArrayList<>();
    private static final List<ServiceProcess> services = new ArrayList<>();
    private static String key;
    /** The brokers this class started: none when {@code METAL_KAFKA_CLUSTER_BOOTSTRAP} names some. */
    private static KafkaCluster cluster;
    private static String kafka;

    @BeforeAll
    static void start() throws Exception {
        String given = System.getenv("METAL_KAFKA_CLUSTER_BOOTSTRAP");
        if (given != null && !given.isBlank()) {
            kafka = given;   // for example the brokers of METAL_KAFKA_BROKERS=3 deploy/local/infra.sh start
        } else {
            cluster = KafkaCluster.start("multi-replica", 3);
            kafka = cluster.bootstrap();
        }
        String redisUrl = TestInfrastructure.redisClusterUrl();
        Map<String, String> env = ServiceProcess.tinyModelsEnv(kafka, redisUrl);
        for (String module : List.of("gateway", "gateway", "prompt-generator", "prompt-generator", "inference-worker",
                "inference-worker", "inference-worker")) {
            ServiceProcess p = ServiceProcess.start(module, TestInfrastructure.freePort(), env);
            services.add(p);
            if (module.equals("gateway")) {
                gateways.add(p);
            }
        }
        for (ServiceProcess service : services) {
            service.awaitReady(Duration.ofSeconds(240));
        }
        try (RedisConnector redis = new RedisConnector(redisUrl, Duration.ofSeconds(5))) {
            key = new ApiKeys(redis).create("e2e-replicas").key();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceProcess service : services) {
            service.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void tasksRegisteredAndPredictedThroughEitherGatewayAreAnsweredAsTheEvaluationSays() throws Exception {
        List<MetalClient> clients = gateways.stream().map(g -> Clients.of(g.baseUrl(), key)).toList();
        Map<String, String> models = TinyModels.config();
        int xl = 2;
        List<TaskExample> test;
        List<List<TaskExample>> trains = new ArrayList<>();
        try (TaskRoot root = TaskRoot.open(ProjectPaths.root().resolve("data/tasks.zip"))) {
            for (int seed : new int[] {100, 13, 21, 42}) {
                trains.add(TaskLoader.loadFewShot(root.resolve("dev"), "dev_002", 16, seed));
            }
            test = TaskLoader.loadTest(root.resolve("dev"), "dev_002").subList(0, 32);
        }
        List<String> ids = new ArrayList<>();
        for (int t = 0; t < trains.size(); t++) {
            List<TaskExample> train = trains.get(t);
            TaskRequest request = TaskRequest.of(train.stream().map(e -> Example.of(e.input(), e.output())).toList())
                    .withOptions(train.get(0).options()).withDesign("WEIGHTED_SUM").withDemonstrations(xl);
            String id = clients.get(t % 2).register(request).id();   // through one gateway...
            clients.get((t + 1) % 2).awaitReady(id, Duration.ofMinutes(3));   // ...ready through the other
            ids.add(id);
        }

        Path base = Path.of(models.get("metal.model.base"));
        try (LanguageModel lm = LanguageModel.load(base, LmSettings.cpu());
             LmTokenizer tokenizer = LmTokenizer.load(base);
             PromptGenerator pgm = PromptGenerator.load(lm, Path.of(models.get("metal.model.pgm")).resolve("weighted_sum"))) {
            for (int t = 0; t < ids.size(); t++) {
                double evaluated = new Evaluator(lm, tokenizer)
                        .evaluate(trains.get(t), test, new PromptConditioner(lm, tokenizer, pgm, xl)).accuracy();
                for (MetalClient client : clients) {
                    int correct = 0;
                    for (int from = 0; from < test.size(); from += 16) {
                        List<TaskExample> chunk = test.subList(from, from + 16);
                        List<String> choices = client.predict(ids.get(t), chunk.stream().map(TaskExample::input).toList())
                                .choices();
                        for (int i = 0; i < chunk.size(); i++) {
                            if (chunk.get(i).output().equals(choices.get(i))) {
                                correct++;
                            }
                        }
                    }
                    assertEquals(evaluated, (double) correct / test.size(), 1e-9,
                            "task " + t + " through either gateway is served as evaluated");
                }
            }
        }

        // two prompt-generators in one group: each registration generated once (one PromptReady per task)
        Map<String, Integer> ready = new HashMap<>();
        Map<String, Object> config = Map.of("bootstrap.servers", kafka, "group.id", "it-replicas-" + System.nanoTime(),
                "auto.offset.reset", "earliest", "isolation.level", "read_committed");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.PROMPT_EVENTS));
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < until && !ready.keySet().containsAll(ids)) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (ids.contains(r.key()) && r.value().contains("PromptReady")) {
                        ready.merge(r.key(), 1, Integer::sum);
                    }
                }
            }
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofSeconds(2))) {
                if (ids.contains(r.key()) && r.value().contains("PromptReady")) {
                    ready.merge(r.key(), 1, Integer::sum);
                }
            }
        }
        for (String id : ids) {
            assertEquals(1, ready.getOrDefault(id, 0), "task " + id + ": one PromptReady with two prompt-generators");
        }
        assertTrue(ids.size() == 4);
    }
}
