package io.metalprompt.e2e;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import io.metalprompt.client.Example;
import io.metalprompt.client.MetalApiException;
import io.metalprompt.client.MetalClient;
import io.metalprompt.client.TaskRequest;
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
 * The three packaged services against real Kafka and Redis: they start and report ready, and a task registered
 * through the gateway is served with exactly the accuracy the evaluation computes for the same models. Callers
 * use API keys created in Redis the way {@code metal keys create} creates them, and call the gateway through the
 * Java client ({@link Clients}) except where a test looks at raw HTTP (a challenge header, a traceparent).
 */
class ServingIT {

    private static final List<ServiceProcess> services = new ArrayList<>();
    private static RedisConnector redis;
    private static String key;
    private static String otherTenantsKey;
    private static MetalClient client;

    /** Registers a task of the test's tenant through the Java client and waits until its prompt is ready; returns its id. */
    private static String registerReady(TaskRequest request) {
        return Clients.registerReady(client, request);
    }

    private static RequestSpecification api(String apiKey) {
        return given().baseUri(services.get(0).baseUrl()).header("Authorization", "Bearer " + apiKey);
    }

    @BeforeAll
    static void start() throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        // spans leave the services every 100 ms (to nowhere, without a collector): see the tracing test
        services.addAll(ServiceProcess.startTinySystem(Map.of("QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "100ms"), Map.of()));
        redis = new RedisConnector(infra.redisUrl(), Duration.ofSeconds(5));
        ApiKeys keys = new ApiKeys(redis);
        key = keys.create("e2e").key();
        otherTenantsKey = keys.create("e2e-other").key();
        client = Clients.of(services.get(0).baseUrl(), key);
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceProcess service : services) {
            service.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void servedAccuracyEqualsEvaluatedAccuracy() throws Exception {
        Map<String, String> models = TinyModels.config();
        List<TaskExample> train;
        List<TaskExample> test;
        List<TaskExample> validation;
        try (TaskRoot root = TaskRoot.open(ProjectPaths.root().resolve("data/tasks.zip"))) {
            train = TaskLoader.loadFewShot(root.resolve("dev"), "dev_002", 16, 100);
            test = TaskLoader.loadTest(root.resolve("dev"), "dev_002").subList(0, 48);
            validation = TaskLoader.loadTest(root.resolve("dev"), "dev_002").subList(48, 56);
        }
        int xl = 2;
        // validation examples given, so none of the 16 is held out (docs/api.md): the prompt is made from all of them
        TaskRequest request = TaskRequest.of(train.stream().map(e -> Example.of(e.input(), e.output())).toList())
                .withOptions(train.get(0).options()).withDesign("WEIGHTED_SUM").withDemonstrations(xl)
                .withValidation(validation.stream().map(e -> Example.of(e.input(), e.output())).toList());
        given().baseUri(services.get(0).baseUrl()).contentType(ContentType.JSON)
                .body(Map.of("examples", List.of(Map.of("input", "a", "output", "b"))))
                .when().post("/v1/tasks").then().statusCode(401).header("WWW-Authenticate", startsWith("Bearer"));
        String id = registerReady(request);
        MetalClient otherTenant = Clients.of(services.get(0).baseUrl(), otherTenantsKey);
        assertEquals(404, assertThrows(MetalApiException.class, () -> otherTenant.task(id)).status());
        assertEquals(404, assertThrows(MetalApiException.class,
                () -> otherTenant.predict(id, List.of(test.get(0).input()))).status());

        int correct = 0;
        for (int from = 0; from < test.size(); from += 16) {
            List<TaskExample> chunk = test.subList(from, from + 16);
            List<String> choices = client.predict(id, chunk.stream().map(TaskExample::input).toList()).choices();
            for (int i = 0; i < chunk.size(); i++) {
                if (chunk.get(i).output().equals(choices.get(i))) {
                    correct++;
                }
            }
        }
        double served = (double) correct / test.size();

        Path base = Path.of(models.get("metal.model.base"));
        try (LanguageModel lm = LanguageModel.load(base, LmSettings.cpu());
             LmTokenizer tokenizer = LmTokenizer.load(base);
             PromptGenerator pgm = PromptGenerator.load(lm, Path.of(models.get("metal.model.pgm")).resolve("weighted_sum"))) {
            double evaluated = new Evaluator(lm, tokenizer)
                    .evaluate(train, test, new PromptConditioner(lm, tokenizer, pgm, xl)).accuracy();
            assertEquals(evaluated, served, 1e-9, "the served path is the evaluated path");
        }
    }

    /**
     * One request followed across the packaged services by its trace id: sent with a client's traceparent, its result
     * record (written by the worker) carries the same trace; and without a collector no service tries to export.
     */
    @Test
    void aPredictionCanBeFollowedFromTheClientToTheWorkersReply() throws Exception {
        String id = registerReady(TaskRequest.of(List.of(Example.of("a happy dog", "good"), Example.of("a sad cat", "bad")))
                .withDesign("PREFIX"));

        String traceId = java.util.UUID.randomUUID().toString().replace("-", "");
        api(key).contentType(ContentType.JSON)
                .header("traceparent", "00-" + traceId + "-" + traceId.substring(0, 16) + "-01")
                .body(Map.of("inputs", List.of("a happy cat"))).when().post("/v1/tasks/" + id + "/predictions")
                .then().statusCode(200);

        Map<String, Object> config = Map.of("bootstrap.servers", TestInfrastructure.get().kafkaBootstrap(),
                "group.id", "it-" + traceId, "auto.offset.reset", "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.INFERENCE_RESULTS));
            boolean found = false;
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!found && System.nanoTime() < until) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    Header h = r.headers().lastHeader("traceparent");
                    found |= id.equals(r.key()) && h != null
                            && new String(h.value(), StandardCharsets.UTF_8).split("-")[1].equals(traceId);
                }
            }
            assertTrue(found, "a result record of task " + id + " carries the client's trace " + traceId);
        }
        Thread.sleep(1000);   // a few export rounds
        for (ServiceProcess service : services) {
            assertFalse(Files.readString(service.log()).contains("Failed to export"),
                    service.log() + ": no collector is configured, so nothing may be sent to one");
        }
    }

    /** Health and metrics are on each service's management port; the port its clients use serves neither. */
    @Test
    void everyServiceIsReadyWithRedisUp() {
        for (ServiceProcess service : services) {
            given().baseUri(service.managementUrl()).when().get("/q/health/ready")
                    .then().statusCode(200).body("status", equalTo("UP"));
            given().baseUri(service.managementUrl()).when().get("/q/metrics").then().statusCode(200);
            given().baseUri(service.baseUrl()).when().get("/q/metrics").then().statusCode(404);
            given().baseUri(service.baseUrl()).when().get("/q/health/ready").then().statusCode(404);
        }
    }
}
