package io.metalprompt.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.metalprompt.e2e.faults.KafkaBroker;
import io.metalprompt.e2e.faults.RedisProcess;
import io.metalprompt.events.EventCodec;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Topics;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.testing.ProjectPaths;
import io.metalprompt.testing.TestInfrastructure;
import io.restassured.http.ContentType;

/**
 * The secured Kafka mode (issue 19): a broker with SASL/SCRAM listeners and the StandardAuthorizer, the principals
 * and ACLs of {@code deploy/kafka-acls.conf} applied by {@code deploy/local/lib/KafkaSecurity.java} (as
 * {@code METAL_KAFKA_SECURITY=scram deploy/local/infra.sh start} does), and the three packaged services configured
 * only through {@code KAFKA_*} variables, each as its own principal. A task registered and predicted through the
 * gateway is served (every service's rights suffice); the documented internal client gets its result; a principal
 * without read rights on the results topic is refused, as is a client without credentials or with wrong ones.
 */
class SecuredKafkaIT {

    private static final String KEY = "secured-it-" + UUID.randomUUID();
    private static KafkaBroker kafka;
    private static RedisProcess redis;
    private static ServiceProcess gateway;
    private static ServiceProcess promptGenerator;
    private static ServiceProcess worker;

    @BeforeAll
    static void start() throws Exception {
        Path work = ProjectPaths.root().resolve("e2e-tests/target/secured-kafka");
        deleteTree(work);
        Path logs = Files.createDirectories(ProjectPaths.root().resolve("e2e-tests/target/service-logs"));
        kafka = KafkaBroker.startSecured(work.resolve("kafka"), logs.resolve("secured-kafka.log"));
        redis = RedisProcess.start(work.resolve("redis"));
        Map<String, String> common = ServiceProcess.tinyModelsEnv(kafka.bootstrap(), redis.url());
        gateway = ServiceProcess.start("gateway", TestInfrastructure.freePort(),
                env(common, "gateway", Map.of("METAL_GATEWAY_AUTH_BOOTSTRAP_KEY", KEY)));
        promptGenerator = ServiceProcess.start("prompt-generator", TestInfrastructure.freePort(),
                env(common, "prompt-generator", Map.of()));
        worker = ServiceProcess.start("inference-worker", TestInfrastructure.freePort(),
                env(common, "inference-worker", Map.of()));
        for (ServiceProcess s : List.of(gateway, promptGenerator, worker)) {
            s.awaitReady(Duration.ofSeconds(180));
        }
    }

    private static Map<String, String> env(Map<String, String> common, String principal, Map<String, String> more)
            throws Exception {
        Map<String, String> env = new HashMap<>(common);
        env.putAll(kafka.serviceEnv(principal));
        env.putAll(more);
        return env;
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {gateway, promptGenerator, worker, kafka, redis}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void theServicesServeATaskEachAsItsOwnPrincipal() throws Exception {
        List<TaskExample> train;
        List<TaskExample> test;
        try (TaskRoot root = TaskRoot.open(ProjectPaths.root().resolve("data/tasks.zip"))) {
            train = TaskLoader.loadFewShot(root.resolve("dev"), "dev_002", 16, 100);
            test = TaskLoader.loadTest(root.resolve("dev"), "dev_002").subList(0, 4);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("examples", train.stream().map(e -> Map.of("input", e.input(), "output", e.output())).toList());
        body.put("options", train.get(0).options());
        body.put("design", "WEIGHTED_SUM");
        body.put("demonstrations", 2);
        // gateway -> metal.task-registrations -> prompt-generator (its group, its read right) -> Redis
        String id = api().contentType(ContentType.JSON).body(body).when().post("/v1/tasks")
                .then().statusCode(202).extract().path("id");
        String status = "pending";
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while ("pending".equals(status) && System.nanoTime() < deadline) {
            Thread.sleep(250);
            status = api().when().get("/v1/tasks/" + id).then().extract().path("status");
        }
        assertEquals("ready", status, "prompt-generator log: " + promptGenerator.log());
        // gateway -> metal.inference-requests -> worker (its group, its transactional id) -> metal.inference-results
        // -> gateway (its reply group); a 504 in the gateway's first seconds (replies not yet assigned) is retried
        Map<String, Object> predict = Map.of("inputs", test.stream().map(TaskExample::input).toList());
        int code = 0;
        List<String> choices = null;
        for (int attempt = 0; attempt < 10 && code != 200; attempt++) {
            var response = api().contentType(ContentType.JSON).body(predict).when().post("/v1/tasks/" + id + "/predictions");
            code = response.statusCode();
            if (code == 200) {
                choices = response.path("predictions.choice");
            } else {
                assertTrue(code == 504 || code == 503, "only a timeout may be retried: " + code + " " + response.asString());
                Thread.sleep(2000);
            }
        }
        assertEquals(200, code, "worker log: " + worker.log());
        assertEquals(test.size(), choices.size());
        assertTrue(train.get(0).options().containsAll(choices), choices::toString);
    }

    @Test
    void theDocumentedInternalClientGetsItsResult() throws Exception {
        String task = UUID.randomUUID().toString();
        InferenceRequest req = new InferenceRequest(1, UUID.randomUUID().toString(), task, "internal", List.of("dog"), 0);
        Map<String, Object> client = kafka.clientConfig("internal-client");
        try (KafkaConsumer<String, String> results = consumer(client, "internal-client-" + UUID.randomUUID());
             KafkaProducer<String, String> producer = producer(client)) {
            results.subscribe(List.of(Topics.INFERENCE_RESULTS));
            awaitAssignment(results);
            ProducerRecord<String, String> r = new ProducerRecord<>(Topics.INFERENCE_REQUESTS, task,
                    EventCodec.encodeToString(req));
            r.headers().add("REPLY_CORRELATION_ID", req.requestId().getBytes(StandardCharsets.UTF_8));
            r.headers().add("REPLY_TOPIC", Topics.INFERENCE_RESULTS.getBytes(StandardCharsets.UTF_8));
            producer.send(r).get(30, TimeUnit.SECONDS);
            InferenceResult result = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (result == null && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> rec : results.poll(Duration.ofMillis(200))) {
                    if (task.equals(rec.key())) {
                        result = EventCodec.decode(rec.value(), InferenceResult.class);
                    }
                }
            }
            assertTrue(result != null, "no result; worker log: " + worker.log());
            assertEquals(req.requestId(), result.requestId());
            assertEquals(InferenceResult.Status.NOT_FOUND, result.status());

            // and nothing beyond its rights: it may not register tasks
            ExecutionException refused = assertThrows(ExecutionException.class, () -> producer.send(
                    new ProducerRecord<>(Topics.TASK_REGISTRATIONS, task, "{}")).get(30, TimeUnit.SECONDS));
            assertInstanceOf(TopicAuthorizationException.class, refused.getCause());
        }
    }

    @Test
    void aPrincipalWithoutReadRightsOnTheResultsTopicIsRefused() throws Exception {
        for (String principal : List.of("trainer", "prompt-generator", "inference-worker")) {
            try (KafkaConsumer<String, String> c = consumer(kafka.clientConfig(principal), null)) {
                var partitions = List.of(new org.apache.kafka.common.TopicPartition(Topics.INFERENCE_RESULTS, 0));
                c.assign(partitions);
                c.seekToBeginning(partitions);
                assertThrows(TopicAuthorizationException.class, () -> {
                    for (int i = 0; i < 50; i++) {
                        c.poll(Duration.ofMillis(200));
                    }
                }, principal + " read every tenant's results");
            }
        }
        // the gateway may read them, but only in its own groups
        try (KafkaConsumer<String, String> c = consumer(kafka.clientConfig("gateway"), "not-a-gateway-group")) {
            c.subscribe(List.of(Topics.INFERENCE_RESULTS));
            assertThrows(GroupAuthorizationException.class, () -> {
                for (int i = 0; i < 50; i++) {
                    c.poll(Duration.ofMillis(200));
                }
            });
        }
    }

    @Test
    void aClientWithoutValidCredentialsIsRefused() throws Exception {
        Map<String, Object> wrong = new HashMap<>(kafka.clientConfig("internal-client"));
        wrong.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"internal-client\" password=\"not-the-password\";");
        try (KafkaConsumer<String, String> c = consumer(wrong, "internal-client-" + UUID.randomUUID())) {
            c.subscribe(List.of(Topics.INFERENCE_RESULTS));
            assertThrows(SaslAuthenticationException.class, () -> c.poll(Duration.ofSeconds(20)));
        }
        // no SASL at all: the broker's only client listener does not speak plain Kafka
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000);
        try (KafkaProducer<String, String> anonymous = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            assertThrows(org.apache.kafka.common.errors.TimeoutException.class,
                    () -> anonymous.partitionsFor(Topics.INFERENCE_REQUESTS));
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    private static io.restassured.specification.RequestSpecification api() {
        return given().baseUri(gateway.baseUrl()).header("Authorization", "Bearer " + KEY);
    }

    private static KafkaConsumer<String, String> consumer(Map<String, Object> security, String group) {
        Properties c = new Properties();
        c.putAll(security);
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        if (group != null) {
            c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        return new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
    }

    private static KafkaProducer<String, String> producer(Map<String, Object> security) {
        Properties p = new Properties();
        p.putAll(security);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static void awaitAssignment(KafkaConsumer<String, String> c) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (c.assignment().isEmpty() && System.nanoTime() < deadline) {
            c.poll(Duration.ofMillis(100));
        }
        assertTrue(!c.assignment().isEmpty(), "the internal client's group got no partitions");
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
