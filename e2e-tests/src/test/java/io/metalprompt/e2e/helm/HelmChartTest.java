package io.metalprompt.e2e.helm;

import static io.metalprompt.e2e.helm.HelmChart.FULLNAME;
import static io.metalprompt.e2e.helm.Manifests.container;
import static io.metalprompt.e2e.helm.Manifests.containers;
import static io.metalprompt.e2e.helm.Manifests.env;
import static io.metalprompt.e2e.helm.Manifests.envEntry;
import static io.metalprompt.e2e.helm.Manifests.podTemplate;
import static io.metalprompt.e2e.helm.Manifests.stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.LintResult;

import io.metalprompt.testing.ProjectPaths;

/**
 * The Helm chart (deploy/helm/metal-prompt) as a user meets it: it lints, renders objects the Kubernetes API
 * accepts with the default and the GPU values, and the settings a user relies on reach the pods.
 */
class HelmChartTest {

    private static final String GATEWAY = FULLNAME + "-gateway";
    private static final String PROMPT_GENERATOR = FULLNAME + "-prompt-generator";
    private static final String WORKER = FULLNAME + "-inference-worker";
    private static final String TRAINER = FULLNAME + "-trainer";
    private static final List<String> SERVICES = List.of(GATEWAY, PROMPT_GENERATOR, WORKER);
    private static final Map<String, String> MODULE_OF = Map.of(GATEWAY, "gateway", PROMPT_GENERATOR,
            "prompt-generator", WORKER, "inference-worker");

    private static Manifests defaults;
    private static Manifests gpu;

    @BeforeAll
    static void renderDefaultAndGpu() {
        defaults = HelmChart.render();
        gpu = HelmChart.render(List.of(HelmChart.dir().resolve("values-gpu.yaml")));
    }

    @Test
    void lintsStrictly() {
        LintResult lint = HelmChart.lintStrict();
        assertFalse(lint.isFailed(), () -> "helm lint --strict:\n" + String.join("\n", lint.getMessages()));
    }

    @Test
    void defaultValuesRenderValidObjects() {
        assertValid(defaults);
        assertEquals(Set.of(
                "Deployment/" + GATEWAY, "Deployment/" + PROMPT_GENERATOR, "Deployment/" + WORKER,
                "Service/" + GATEWAY, "Service/" + PROMPT_GENERATOR, "Service/" + WORKER,
                "PodDisruptionBudget/" + GATEWAY, "PodDisruptionBudget/" + PROMPT_GENERATOR, "PodDisruptionBudget/" + WORKER,
                "ConfigMap/" + FULLNAME + "-config", "Secret/" + FULLNAME + "-secret",
                "PersistentVolumeClaim/" + FULLNAME + "-models", "Job/" + FULLNAME + "-model-seed-1",
                "Job/" + FULLNAME + "-topics", "CronJob/" + TRAINER), ids(defaults));
    }

    @Test
    void gpuValuesRenderValidObjectsWithGpuLimitsAndGpuNodes() {
        assertValid(gpu);
        for (String name : List.of(PROMPT_GENERATOR, WORKER)) {
            JsonNode deployment = gpu.get("Deployment", name);
            JsonNode main = container(deployment, MODULE_OF.get(name));
            assertEquals("1", main.path("resources").path("limits").path("nvidia.com/gpu").asText(), name);
            assertEquals("4Gi", main.path("resources").path("requests").path("memory").asText(), name);
            JsonNode pod = podTemplate(deployment).path("spec");
            assertEquals("true", pod.path("nodeSelector").path("nvidia.com/gpu.present").asText(), name);
            assertTrue(stream(pod.path("tolerations")).anyMatch(t -> "nvidia.com/gpu".equals(t.path("key").asText())
                    && "NoSchedule".equals(t.path("effect").asText())), name);
            assertEquals("gpu", env(main, "METAL_MODEL_DEVICE").orElseThrow(), name);
            assertEquals("fp16", env(main, "METAL_MODEL_DTYPE").orElseThrow(), name);
        }
        JsonNode gateway = gpu.get("Deployment", GATEWAY);
        assertFalse(podTemplate(gateway).path("spec").has("nodeSelector"));
        assertNoGpu(gateway);
        assertNoGpu(gpu.get("CronJob", TRAINER));
    }

    @Test
    void defaultValuesRequestNoGpuAndRunOnCpu() {
        for (JsonNode workload : defaults.workloads()) {
            assertNoGpu(workload);
            assertFalse(podTemplate(workload).path("spec").has("nodeSelector"), Manifests.id(workload));
            assertFalse(podTemplate(workload).path("spec").has("tolerations"), Manifests.id(workload));
        }
        for (String name : List.of(PROMPT_GENERATOR, WORKER)) {
            JsonNode main = container(defaults.get("Deployment", name), MODULE_OF.get(name));
            assertEquals("cpu", env(main, "METAL_MODEL_DEVICE").orElseThrow());
            assertEquals("fp32", env(main, "METAL_MODEL_DTYPE").orElseThrow());
        }
    }

    /**
     * Health and metrics are on the management port (quarkus.management.port of each service): the probes use it,
     * the pods carry the Prometheus annotations for it, and no Service exposes it (the API's clients never reach
     * /q/metrics or /q/health).
     */
    @Test
    void probesAndMetricsUseTheManagementPortWhichNoServiceExposes() throws IOException {
        for (String name : SERVICES) {
            JsonNode deployment = defaults.get("Deployment", name);
            JsonNode main = container(deployment, MODULE_OF.get(name));
            assertEquals("/q/health/live", main.path("livenessProbe").path("httpGet").path("path").asText(), name);
            assertEquals("/q/health/ready", main.path("readinessProbe").path("httpGet").path("path").asText(), name);
            assertEquals("/q/health/live", main.path("startupProbe").path("httpGet").path("path").asText(), name);
            for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
                assertEquals("management", main.path(probe).path("httpGet").path("port").asText(), name + " " + probe);
            }
            Properties properties = applicationProperties(MODULE_OF.get(name));
            assertEquals("true", properties.getProperty("quarkus.management.enabled"), name);
            assertEquals(Integer.parseInt(properties.getProperty("quarkus.http.port")), port(main, "http"),
                    name + ": container port vs quarkus.http.port");
            int management = Integer.parseInt(properties.getProperty("quarkus.management.port"));
            assertEquals(management, port(main, "management"), name + ": container port vs quarkus.management.port");
            JsonNode annotations = podTemplate(deployment).path("metadata").path("annotations");
            assertEquals("true", annotations.path("prometheus.io/scrape").asText(), name);
            assertEquals(Integer.toString(management), annotations.path("prometheus.io/port").asText(), name);
            assertEquals("/q/metrics", annotations.path("prometheus.io/path").asText(), name);
            JsonNode servicePorts = defaults.get("Service", name).path("spec").path("ports");
            assertEquals(1, servicePorts.size(), name + ": the Service exposes the API port only");
            assertEquals("http", servicePorts.get(0).path("targetPort").asText());
        }
        Manifests quiet = HelmChart.render("""
                metrics:
                  podAnnotations: false
                """);
        assertFalse(podTemplate(quiet.get("Deployment", GATEWAY)).path("metadata").path("annotations")
                .has("prometheus.io/scrape"));
    }

    private static int port(JsonNode container, String name) {
        return stream(container.path("ports")).filter(p -> name.equals(p.path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError(container.path("name").asText() + " has no port named " + name))
                .path("containerPort").asInt();
    }

    @Test
    void everyPodRunsDjlOfflineWithPassiveOpenMp() {
        Manifests everything = HelmChart.render("""
                inferenceWorker:
                  autoscaling:
                    keda:
                      enabled: true
                topics:
                  commandConfigSecret: kafka-client
                """);
        for (Manifests manifests : List.of(defaults, gpu, everything)) {
            assertTrue(manifests.workloads().size() >= 6, "expected 3 Deployments, 2 Jobs and the CronJob");
            for (JsonNode workload : manifests.workloads()) {
                for (JsonNode c : containers(podTemplate(workload))) {
                    String where = Manifests.id(workload) + " container " + c.path("name").asText();
                    assertEquals("true", env(c, "OPT_OUT_TRACKING").orElse(null), where);
                    assertEquals("true", env(c, "DJL_OFFLINE").orElse(null), where);
                    assertEquals("PASSIVE", env(c, "OMP_WAIT_POLICY").orElse(null), where);
                }
            }
            for (String name : SERVICES) {
                JsonNode main = container(manifests.get("Deployment", name), MODULE_OF.get(name));
                assertTrue(env(main, "JAVA_OPTS_APPEND").orElseThrow().contains("-Dai.djl.offline=true"), name);
            }
            JsonNode trainer = container(manifests.get("CronJob", TRAINER), "trainer");
            assertTrue(env(trainer, "JAVA_OPTS_APPEND").orElseThrow().contains("-Dai.djl.offline=true"));
        }
    }

    @Test
    void topicJobCreatesEveryTopicOfTopicsConf() throws IOException {
        Map<String, Topic> declared = topicsConf(ProjectPaths.root().resolve("deploy/topics.conf"));
        assertTrue(declared.size() >= 10, "deploy/topics.conf declares the 5 topics and their DLQs: " + declared.keySet());
        assertEquals(declared, topicsCreatedBy(defaults));

        JsonNode job = defaults.get("Job", FULLNAME + "-topics");
        JsonNode annotations = job.path("metadata").path("annotations");
        assertEquals("pre-install,pre-upgrade", annotations.path(HelmChart.VISIBLE_HOOK_PREFIX + "helm.sh/hook").asText());
        assertEquals("before-hook-creation,hook-succeeded",
                annotations.path(HelmChart.VISIBLE_HOOK_PREFIX + "helm.sh/hook-delete-policy").asText());
        JsonNode c = container(job, "create-topics");
        assertEquals("kafka:9092", env(c, "KAFKA_BOOTSTRAP_SERVERS").orElseThrow());
        assertEquals("3", env(c, "REPLICATION_FACTOR").orElseThrow());
        assertFalse(c.path("command").get(2).asText().contains("--command-config"));
        String script = c.path("command").get(2).asText();
        assertEquals(declared.size(), script.lines().filter(l -> l.contains("--create")
                && l.contains("--config min.insync.replicas=2")).count(), "three brokers by default: RF 3, min ISR 2");

        Manifests custom = HelmChart.render("""
                kafka:
                  bootstrapServers: broker-0.kafka:9093,broker-1.kafka:9093
                topics:
                  replicationFactor: 1
                  minInsyncReplicas: 0
                  commandConfigSecret: kafka-client
                """);
        assertValid(custom);
        JsonNode customJob = custom.get("Job", FULLNAME + "-topics");
        JsonNode cc = container(customJob, "create-topics");
        assertEquals("broker-0.kafka:9093,broker-1.kafka:9093", env(cc, "KAFKA_BOOTSTRAP_SERVERS").orElseThrow());
        assertEquals("1", env(cc, "REPLICATION_FACTOR").orElseThrow());
        assertTrue(cc.path("command").get(2).asText().contains("--command-config /etc/kafka-client/client.properties"));
        assertEquals("kafka-client", podTemplate(customJob).path("spec").path("volumes").get(0).path("secret")
                .path("secretName").asText());
        assertEquals(declared, topicsCreatedBy(custom));
        assertFalse(cc.path("command").get(2).asText().contains("min.insync.replicas"), "one broker: no min ISR");
        assertEquals("broker-0.kafka:9093,broker-1.kafka:9093", custom.get("ConfigMap", FULLNAME + "-config")
                .path("data").path("KAFKA_BOOTSTRAP_SERVERS").asText());
    }

    @Test
    void servicesGetOnlySettingsOfTheirConfigMapping() throws IOException {
        Map<String, String> configMap = new TreeMap<>();
        defaults.get("ConfigMap", FULLNAME + "-config").path("data").fields()
                .forEachRemaining(e -> configMap.put(e.getKey(), e.getValue().asText()));
        for (String name : SERVICES) {
            Set<String> known = configMappingEnv(MODULE_OF.get(name));
            JsonNode main = container(defaults.get("Deployment", name), MODULE_OF.get(name));
            Set<String> metal = new TreeSet<>(configMap.keySet());
            stream(main.path("env")).map(e -> e.path("name").asText()).forEach(metal::add);
            metal.removeIf(n -> !n.startsWith("METAL_"));
            assertTrue(known.containsAll(metal), name + " gets " + metal + " but its @ConfigMapping knows " + known);
            assertTrue(envEntry(main, "METAL_REDIS_URL").isPresent(), name);
            assertEquals(FULLNAME + "-config", main.path("envFrom").get(0).path("configMapRef").path("name").asText());
        }
        JsonNode pg = container(defaults.get("Deployment", PROMPT_GENERATOR), "prompt-generator");
        assertEquals("/models/base-lm", env(pg, "METAL_MODEL_BASE").orElseThrow());
        assertEquals("/models/pgm", env(pg, "METAL_MODEL_PGM").orElseThrow());
        assertEquals("2", env(pg, "METAL_ROLLOUT_TASKS_PER_SECOND").orElseThrow());
        JsonNode worker = container(defaults.get("Deployment", WORKER), "inference-worker");
        assertEquals("/models/base-lm", env(worker, "METAL_MODEL_BASE").orElseThrow());
        assertEquals("268435456", env(worker, "METAL_SERVING_CACHE_BYTES").orElseThrow());
        assertEquals("256", env(worker, "METAL_SERVING_MAX_ROWS").orElseThrow());
        // the DJL services leave half the memory limit to PyTorch's native memory
        assertEquals("50", env(worker, "JAVA_MAX_MEM_RATIO").orElseThrow());
        assertEquals("50", env(pg, "JAVA_MAX_MEM_RATIO").orElseThrow());
        assertEquals("75", env(container(defaults.get("Deployment", GATEWAY), "gateway"), "JAVA_MAX_MEM_RATIO").orElseThrow());
        assertEquals("kafka:9092", configMap.get("KAFKA_BOOTSTRAP_SERVERS"));
        assertEquals("2s", configMap.get("METAL_REDIS_TIMEOUT"));
    }

    @Test
    void modelStoreIsReadOnlyInServicesAndWritableInTrainerAndSeedJob() {
        String claim = FULLNAME + "-models";
        JsonNode pvc = defaults.get("PersistentVolumeClaim", claim);
        assertEquals("ReadWriteMany", pvc.path("spec").path("accessModes").get(0).asText());
        assertEquals("keep", pvc.path("metadata").path("annotations").path("helm.sh/resource-policy").asText());
        for (String name : List.of(PROMPT_GENERATOR, WORKER)) {
            JsonNode deployment = defaults.get("Deployment", name);
            assertEquals(claim, modelsVolume(deployment).path("persistentVolumeClaim").path("claimName").asText());
            for (JsonNode c : containers(podTemplate(deployment))) {
                assertTrue(modelsMount(c).path("readOnly").asBoolean(), name + " " + c.path("name").asText());
                assertEquals("/models", modelsMount(c).path("mountPath").asText());
            }
            assertEquals("wait-for-models", podTemplate(deployment).path("spec").path("initContainers").get(0)
                    .path("name").asText());
        }
        JsonNode gateway = defaults.get("Deployment", GATEWAY);
        assertTrue(modelsVolume(gateway).isMissingNode(), "the gateway has no models");
        for (JsonNode writer : List.of(defaults.get("CronJob", TRAINER), defaults.get("Job", FULLNAME + "-model-seed-1"))) {
            assertEquals(claim, modelsVolume(writer).path("persistentVolumeClaim").path("claimName").asText());
            for (JsonNode c : containers(podTemplate(writer))) {
                assertFalse(modelsMount(c).path("readOnly").asBoolean(false), Manifests.id(writer));
            }
        }
        // the seed job copies into the mount path it is given
        JsonNode seed = container(defaults.get("Job", FULLNAME + "-model-seed-1"), "model-seed");
        assertEquals("/models", seed.path("command").get(seed.path("command").size() - 1).asText());

        Manifests existing = HelmChart.render("""
                modelStore:
                  mountPath: /srv/models
                  persistence:
                    existingClaim: shared-models
                promptGenerator:
                  model:
                    base: llama/base
                    pgm: llama/pgms
                """);
        assertValid(existing);
        assertTrue(existing.ofKind("PersistentVolumeClaim").isEmpty(), "an existing claim: no new PVC");
        for (JsonNode workload : existing.workloads()) {
            JsonNode volume = modelsVolume(workload);
            if (!volume.isMissingNode()) {
                assertEquals("shared-models", volume.path("persistentVolumeClaim").path("claimName").asText());
            }
        }
        JsonNode pg = existing.get("Deployment", PROMPT_GENERATOR);
        assertEquals("/srv/models/llama/base", env(container(pg, "prompt-generator"), "METAL_MODEL_BASE").orElseThrow());
        assertEquals("/srv/models/llama/pgms", env(container(pg, "prompt-generator"), "METAL_MODEL_PGM").orElseThrow());
        List<String> waitArgs = new ArrayList<>();
        container(pg, "wait-for-models").path("command").forEach(a -> waitArgs.add(a.asText()));
        assertEquals(List.of("/srv/models/llama/base/config.json", "/srv/models/llama/pgms"),
                waitArgs.subList(waitArgs.size() - 2, waitArgs.size()));
        assertTrue(container(existing.get("CronJob", TRAINER), "trainer").path("args").toString()
                .contains("\"/srv/models/base-lm\""), "trainer args follow modelStore.mountPath");
    }

    @Test
    void disablingOptionalPartsRemovesThem() {
        Manifests minimal = HelmChart.render("""
                topics:
                  enabled: false
                trainer:
                  enabled: false
                modelStore:
                  seed:
                    enabled: false
                  waitForModels: false
                gateway:
                  pdb:
                    enabled: false
                promptGenerator:
                  pdb:
                    enabled: false
                inferenceWorker:
                  pdb:
                    enabled: false
                """);
        assertValid(minimal);
        assertEquals(Set.of("Deployment/" + GATEWAY, "Deployment/" + PROMPT_GENERATOR, "Deployment/" + WORKER,
                "Service/" + GATEWAY, "Service/" + PROMPT_GENERATOR, "Service/" + WORKER,
                "ConfigMap/" + FULLNAME + "-config", "Secret/" + FULLNAME + "-secret",
                "PersistentVolumeClaim/" + FULLNAME + "-models"), ids(minimal));
        for (JsonNode deployment : minimal.ofKind("Deployment")) {
            assertFalse(podTemplate(deployment).path("spec").has("initContainers"), Manifests.id(deployment));
        }
        assertTrue(defaults.ofKind("ScaledObject").isEmpty(), "KEDA is off by default");
    }

    @Test
    void kedaScalesTheWorkerOnTheLagOfItsConsumerGroup() throws IOException {
        assertEquals(2, defaults.get("Deployment", WORKER).path("spec").path("replicas").asInt());
        Manifests keda = HelmChart.render("""
                kafka:
                  bootstrapServers: kafka.prod:9092
                inferenceWorker:
                  autoscaling:
                    keda:
                      enabled: true
                      minReplicas: 0
                      maxReplicas: 6
                      lagThreshold: 20
                      authenticationRef: kafka-sasl
                """);
        assertValid(keda);
        JsonNode scaled = keda.get("ScaledObject", WORKER);
        JsonNode spec = scaled.path("spec");
        assertEquals(WORKER, spec.path("scaleTargetRef").path("name").asText());
        assertEquals("Deployment", spec.path("scaleTargetRef").path("kind").asText());
        assertEquals(0, spec.path("minReplicaCount").asInt());
        assertEquals(6, spec.path("maxReplicaCount").asInt());
        JsonNode trigger = spec.path("triggers").get(0);
        assertEquals("kafka", trigger.path("type").asText());
        assertEquals("kafka-sasl", trigger.path("authenticationRef").path("name").asText());
        Properties worker = applicationProperties("inference-worker");
        JsonNode metadata = trigger.path("metadata");
        assertEquals(worker.getProperty("metal.kafka.requests.group.id"),
                metadata.path("consumerGroup").asText());
        assertEquals(io.metalprompt.events.Topics.INFERENCE_REQUESTS, metadata.path("topic").asText());
        assertEquals(worker.getProperty("metal.kafka.requests.auto.offset.reset"),
                metadata.path("offsetResetPolicy").asText());
        assertEquals("kafka.prod:9092", metadata.path("bootstrapServers").asText());
        assertEquals("20", metadata.path("lagThreshold").asText());
        assertFalse(keda.get("Deployment", WORKER).path("spec").has("replicas"), "KEDA owns the worker's replicas");
        assertEquals(2, keda.get("Deployment", GATEWAY).path("spec").path("replicas").asInt());
    }

    @Test
    void redisPasswordReachesThePodsThroughTheSecret() {
        JsonNode secret = defaults.get("Secret", FULLNAME + "-secret");
        assertEquals("redis://redis-master:6379", decode(secret, "redis-url"), "no password: the URL as given");

        Manifests withPassword = HelmChart.render("""
                redis:
                  url: rediss://redis.prod:6380/2
                  password: "p@ss word+1/"
                secretEnv:
                  KAFKA_SASL_JAAS_CONFIG: 'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";'
                """);
        assertValid(withPassword);
        JsonNode s = withPassword.get("Secret", FULLNAME + "-secret");
        assertEquals("rediss://:p%40ss%20word%2B1%2F@redis.prod:6380/2", decode(s, "redis-url"));
        assertTrue(decode(s, "KAFKA_SASL_JAAS_CONFIG").endsWith("password=\"p\";"));
        for (String name : SERVICES) {
            JsonNode main = container(withPassword.get("Deployment", name), MODULE_OF.get(name));
            JsonNode ref = envEntry(main, "METAL_REDIS_URL").orElseThrow().path("valueFrom").path("secretKeyRef");
            assertEquals(FULLNAME + "-secret", ref.path("name").asText());
            assertEquals("redis-url", ref.path("key").asText());
            JsonNode sasl = envEntry(main, "KAFKA_SASL_JAAS_CONFIG").orElseThrow().path("valueFrom").path("secretKeyRef");
            assertEquals("KAFKA_SASL_JAAS_CONFIG", sasl.path("key").asText());
            assertFalse(main.toString().contains("p@ss"), "the password stays in the Secret");
        }
        assertFalse(withPassword.get("ConfigMap", FULLNAME + "-config").toString().contains("p@ss"));

        Manifests existing = HelmChart.render("""
                redis:
                  existingSecret: redis-credentials
                  existingSecretKey: url
                """);
        assertValid(existing);
        assertFalse(existing.get("Secret", FULLNAME + "-secret").path("data").has("redis-url"));
        JsonNode ref = envEntry(container(existing.get("Deployment", GATEWAY), "gateway"), "METAL_REDIS_URL").orElseThrow()
                .path("valueFrom").path("secretKeyRef");
        assertEquals("redis-credentials", ref.path("name").asText());
        assertEquals("url", ref.path("key").asText());
    }

    @Test
    void inconsistentSettingsFailTheRenderWithTheReason() {
        assertRenderFails("promptGenerator.model.device is gpu but promptGenerator.gpu.count is 0", """
                promptGenerator:
                  model:
                    device: gpu
                """);
        assertRenderFails("inferenceWorker.model.dtype fp16 needs device gpu", """
                inferenceWorker:
                  model:
                    dtype: fp16
                """);
        assertRenderFails("inferenceWorker.model.device must be cpu or gpu", """
                inferenceWorker:
                  model:
                    device: cuda
                """);
        assertRenderFails("redis.url must look like redis://host:port", """
                redis:
                  url: redis-master:6379
                """);
        assertRenderFails("kafka.bootstrapServers is required", """
                kafka:
                  bootstrapServers: ""
                """);
    }

    @Test
    void trainerRunsTheMetalCommandLineOnSchedule() {
        JsonNode cron = defaults.get("CronJob", TRAINER);
        assertEquals("0 2 * * *", cron.path("spec").path("schedule").asText());
        assertEquals("Forbid", cron.path("spec").path("concurrencyPolicy").asText());
        JsonNode trainer = container(cron, "trainer");
        List<String> args = new ArrayList<>();
        trainer.path("args").forEach(a -> args.add(a.asText()));
        assertEquals("periodic", args.get(0), "the periodic training job (docs/models.md)");
        assertEquals("/models/store", args.get(args.indexOf("--store") + 1));
        assertEquals("/models/base-lm", args.get(args.indexOf("--base") + 1));
        assertEquals("/models/pgm", args.get(args.indexOf("--start-up-pgm") + 1), "what the services start with");
        assertEquals(FULLNAME + "-config", envEntry(trainer, "KAFKA_BOOTSTRAP_SERVERS").orElseThrow()
                .path("valueFrom").path("configMapKeyRef").path("name").asText(), "where versions are published");
        assertEquals("metal-prompt/trainer:0.1.0", trainer.path("image").asText());
        assertEquals("Never", podTemplate(cron).path("spec").path("restartPolicy").asText());

        Manifests custom = HelmChart.render("""
                trainer:
                  schedule: "30 1 * * 0"
                  suspend: true
                  args: [eval, --model, "{{ .Values.modelStore.mountPath }}/base-lm", --method, zero-shot]
                """);
        assertValid(custom);
        JsonNode customCron = custom.get("CronJob", TRAINER);
        assertEquals("30 1 * * 0", customCron.path("spec").path("schedule").asText());
        assertTrue(customCron.path("spec").path("suspend").asBoolean());
        List<String> customArgs = new ArrayList<>();
        container(customCron, "trainer").path("args").forEach(a -> customArgs.add(a.asText()));
        assertEquals(List.of("eval", "--model", "/models/base-lm", "--method", "zero-shot"), customArgs);
    }

    @Test
    void imagesComeFromTheConfiguredRegistryAndTag() {
        assertEquals("metal-prompt/gateway:0.1.0", container(defaults.get("Deployment", GATEWAY), "gateway")
                .path("image").asText());
        Manifests custom = HelmChart.render("""
                image:
                  registry: registry.example.com/team/
                  tag: "1.2.3"
                  pullPolicy: Always
                imagePullSecrets:
                  - name: regcred
                inferenceWorker:
                  image:
                    tag: "1.2.4-cuda"
                """);
        assertValid(custom);
        assertEquals("registry.example.com/team/metal-prompt/gateway:1.2.3",
                container(custom.get("Deployment", GATEWAY), "gateway").path("image").asText());
        assertEquals("registry.example.com/team/metal-prompt/inference-worker:1.2.4-cuda",
                container(custom.get("Deployment", WORKER), "inference-worker").path("image").asText());
        assertEquals("registry.example.com/team/metal-prompt/trainer:1.2.3",
                container(custom.get("Job", FULLNAME + "-model-seed-1"), "model-seed").path("image").asText());
        for (JsonNode workload : custom.workloads()) {
            assertEquals("regcred", podTemplate(workload).path("spec").path("imagePullSecrets").get(0).path("name").asText(),
                    Manifests.id(workload));
        }
    }

    @Test
    void servicesAndBudgetsSelectTheirDeploymentsPods() {
        for (String name : SERVICES) {
            JsonNode deployment = defaults.get("Deployment", name);
            JsonNode podLabels = podTemplate(deployment).path("metadata").path("labels");
            assertSelects(deployment.path("spec").path("selector").path("matchLabels"), podLabels, "Deployment " + name);
            assertSelects(defaults.get("Service", name).path("spec").path("selector"), podLabels, "Service " + name);
            assertSelects(defaults.get("PodDisruptionBudget", name).path("spec").path("selector").path("matchLabels"),
                    podLabels, "PodDisruptionBudget " + name);
            for (String other : SERVICES) {
                if (!other.equals(name)) {
                    JsonNode otherLabels = podTemplate(defaults.get("Deployment", other)).path("metadata").path("labels");
                    assertFalse(selects(defaults.get("Service", name).path("spec").path("selector"), otherLabels),
                            "Service " + name + " also selects the pods of " + other);
                }
            }
        }
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    @Test
    void redisSentinelAndClusterBecomeTheUrlsTheServicesParse() {
        Manifests sentinel = HelmChart.render("""
                redis:
                  mode: sentinel
                  password: "s3cret"
                  sentinel:
                    nodes: [redis-node-0.redis-headless:26379, redis-node-1.redis-headless:26379]
                    master: mymaster
                """);
        assertValid(sentinel);
        assertEquals("redis-sentinel://:s3cret@redis-node-0.redis-headless:26379,redis-node-1.redis-headless:26379/0#mymaster",
                decode(sentinel.get("Secret", FULLNAME + "-secret"), "redis-url"));
        assertFalse(sentinel.get("ConfigMap", FULLNAME + "-config").path("data").has("METAL_REDIS_CLUSTER"));

        Manifests cluster = HelmChart.render("""
                redis:
                  mode: cluster
                  cluster:
                    nodes: [redis-cluster-0.redis-cluster:6379, redis-cluster-1.redis-cluster:6379]
                    tls: true
                """);
        assertValid(cluster);
        assertEquals("rediss://redis-cluster-0.redis-cluster:6379,rediss://redis-cluster-1.redis-cluster:6379",
                decode(cluster.get("Secret", FULLNAME + "-secret"), "redis-url"));
        assertEquals("true", cluster.get("ConfigMap", FULLNAME + "-config").path("data").path("METAL_REDIS_CLUSTER").asText(),
                "a single seed is a Cluster too");

        assertRenderFails("redis.mode is sentinel but redis.sentinel.nodes is empty", """
                redis:
                  mode: sentinel
                """);
        assertRenderFails("redis.mode is cluster but redis.cluster.nodes is empty", """
                redis:
                  mode: cluster
                """);
        assertRenderFails("redis.mode must be single, sentinel or cluster", """
                redis:
                  mode: replicated
                """);
    }

    @Test
    void kafkaSaslAndTlsReachEveryServiceAndTheTrainer() {
        Manifests secured = HelmChart.render("""
                kafka:
                  bootstrapServers: b-0.kafka:9094,b-1.kafka:9094,b-2.kafka:9094
                  securityProtocol: SASL_SSL
                  sasl:
                    mechanism: SCRAM-SHA-512
                    username: metal
                    password: "pa ss"
                  tls:
                    caSecret: kafka-ca
                """);
        assertValid(secured);
        JsonNode data = secured.get("ConfigMap", FULLNAME + "-config").path("data");
        assertEquals("SASL_SSL", data.path("KAFKA_SECURITY_PROTOCOL").asText());
        assertEquals("SCRAM-SHA-512", data.path("KAFKA_SASL_MECHANISM").asText());
        assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"metal\" password=\"pa ss\";",
                decode(secured.get("Secret", FULLNAME + "-secret"), "kafka-sasl-jaas-config"));
        List<JsonNode> containers = new ArrayList<>();
        for (String name : SERVICES) {
            containers.add(container(secured.get("Deployment", name), MODULE_OF.get(name)));
        }
        containers.add(container(secured.get("CronJob", TRAINER), "trainer"));
        for (JsonNode c : containers) {
            JsonNode ref = envEntry(c, "KAFKA_SASL_JAAS_CONFIG").orElseThrow().path("valueFrom").path("secretKeyRef");
            assertEquals("kafka-sasl-jaas-config", ref.path("key").asText());
            assertEquals("PEM", env(c, "KAFKA_SSL_TRUSTSTORE_TYPE").orElseThrow());
            assertEquals("/etc/metal/kafka-tls/ca.crt", env(c, "KAFKA_SSL_TRUSTSTORE_LOCATION").orElseThrow());
            assertTrue(c.path("volumeMounts").toString().contains("/etc/metal/kafka-tls"), c.toString());
            assertFalse(c.toString().contains("pa ss"), "the password stays in the Secret");
        }

        Manifests perService = HelmChart.render("""
                kafka:
                  securityProtocol: SASL_PLAINTEXT
                  sasl:
                    existingSecret: kafka-principals
                """);
        assertValid(perService);
        for (String name : SERVICES) {
            JsonNode ref = envEntry(container(perService.get("Deployment", name), MODULE_OF.get(name)), "KAFKA_SASL_JAAS_CONFIG")
                    .orElseThrow().path("valueFrom").path("secretKeyRef");
            assertEquals("kafka-principals", ref.path("name").asText());
            assertEquals(MODULE_OF.get(name), ref.path("key").asText(), "each service its own principal");
        }
        assertFalse(perService.get("Secret", FULLNAME + "-secret").path("data").has("kafka-sasl-jaas-config"));
        assertTrue(envEntry(container(defaults.get("Deployment", GATEWAY), "gateway"), "KAFKA_SASL_JAAS_CONFIG").isEmpty(),
                "PLAINTEXT by default");

        assertRenderFails("kafka.securityProtocol SASL_SSL needs kafka.sasl.username and kafka.sasl.password", """
                kafka:
                  securityProtocol: SASL_SSL
                """);
        assertRenderFails("kafka.securityProtocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", """
                kafka:
                  securityProtocol: TLS
                """);
        assertRenderFails("topics.minInsyncReplicas (2) must be below topics.replicationFactor (2)", """
                topics:
                  replicationFactor: 2
                """);
    }

    private static void assertValid(Manifests manifests) {
        List<String> problems = manifests.all().stream().flatMap(d -> KubernetesSchema.problems(d).stream()).toList();
        assertTrue(problems.isEmpty(), () -> "rendered objects the Kubernetes API would reject:\n"
                + String.join("\n", problems));
    }

    private static Set<String> ids(Manifests manifests) {
        return manifests.all().stream().map(Manifests::id).collect(Collectors.toCollection(TreeSet::new));
    }

    private static void assertNoGpu(JsonNode workload) {
        for (JsonNode c : containers(podTemplate(workload))) {
            String resources = c.path("resources").toString();
            assertFalse(resources.contains("nvidia.com/gpu"), Manifests.id(workload) + ": " + resources);
        }
    }

    private static void assertRenderFails(String expected, String values) {
        RuntimeException e = assertThrows(RuntimeException.class, () -> HelmChart.renderText(List.of(), values));
        assertTrue(String.valueOf(e.getMessage()).contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    private static void assertSelects(JsonNode selector, JsonNode labels, String what) {
        assertFalse(selector.isEmpty(), what + " has an empty selector");
        assertTrue(selects(selector, labels), what + " selector " + selector + " does not match pod labels " + labels);
    }

    private static boolean selects(JsonNode selector, JsonNode labels) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        selector.fields().forEachRemaining(entries::add);
        return entries.stream().allMatch(e -> e.getValue().asText().equals(labels.path(e.getKey()).asText()));
    }

    private static JsonNode modelsVolume(JsonNode workload) {
        return stream(podTemplate(workload).path("spec").path("volumes")).filter(v -> "models".equals(v.path("name").asText()))
                .findFirst().orElse(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
    }

    private static JsonNode modelsMount(JsonNode container) {
        return stream(container.path("volumeMounts")).filter(m -> "models".equals(m.path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("container " + container.path("name").asText() + " does not mount the models"));
    }

    private static String decode(JsonNode secret, String key) {
        assertTrue(secret.path("data").has(key), "Secret has no key " + key);
        return new String(Base64.getDecoder().decode(secret.path("data").path(key).asText()), StandardCharsets.UTF_8);
    }

    private static Properties applicationProperties(String module) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(ProjectPaths.root().resolve(module)
                .resolve("src/main/resources/application.properties"))) {
            properties.load(in);
        }
        return properties;
    }

    /** The modules whose config groups (RedisSettings, ModelSettings) the services' mappings extend. */
    private static final List<String> SHARED_CONFIG_MODULES = List.of("service-common", "model-service-common");

    /**
     * Environment variables the module's @ConfigMapping documents ("Env: {@code METAL_...}" on each setting),
     * including those of the shared config interfaces and groups it names (a service's mapping extends
     * {@code ServiceConfig}, whose {@code RedisSettings} document the Redis settings, and so on).
     */
    private static Set<String> configMappingEnv(String module) throws IOException {
        Pattern env = Pattern.compile("Env: \\{@code (METAL_[A-Z0-9_]+)}");
        Map<String, String> shared = new TreeMap<>();
        for (String sharedModule : SHARED_CONFIG_MODULES) {
            sources(sharedModule).forEach((file, source) -> shared.put(file.getFileName().toString().replace(".java", ""), source));
        }
        List<String> toRead = new ArrayList<>();
        sources(module).values().stream().filter(s -> s.contains("@ConfigMapping(prefix = \"metal\")")).forEach(toRead::add);
        Set<String> followed = new TreeSet<>();
        Set<String> names = new TreeSet<>();
        while (!toRead.isEmpty()) {
            String source = toRead.remove(toRead.size() - 1);
            Matcher m = env.matcher(source);
            while (m.find()) {
                names.add(m.group(1));
            }
            shared.forEach((type, text) -> {
                if (Pattern.compile("\\b" + type + "\\b").matcher(source).find() && followed.add(type)) {
                    toRead.add(text);
                }
            });
        }
        assertFalse(names.isEmpty(), "no documented settings found in " + module + "'s @ConfigMapping");
        return names;
    }

    /** Every main source file of {@code module}, by path. */
    private static Map<Path, String> sources(String module) throws IOException {
        Map<Path, String> sources = new TreeMap<>();
        try (Stream<Path> files = Files.walk(ProjectPaths.root().resolve(module).resolve("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                sources.put(file, Files.readString(file));
            }
        }
        return sources;
    }

    record Topic(int partitions, List<String> configs) {
    }

    /** deploy/topics.conf: {@code <name> <partitions> [key=value,...]}, '#' comments. */
    private static Map<String, Topic> topicsConf(Path file) throws IOException {
        Map<String, Topic> topics = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String content = line.replaceAll("#.*", "").trim();
            if (content.isEmpty()) {
                continue;
            }
            String[] fields = content.split("\\s+");
            List<String> configs = fields.length > 2 ? List.of(fields[2].split(",")) : List.of();
            topics.put(fields[0], new Topic(Integer.parseInt(fields[1]), configs));
        }
        return topics;
    }

    /** The kafka-topics.sh --create calls of the topic job's script. */
    private static Map<String, Topic> topicsCreatedBy(Manifests manifests) {
        JsonNode c = container(manifests.get("Job", FULLNAME + "-topics"), "create-topics");
        String script = c.path("command").get(2).asText();
        Map<String, Topic> topics = new LinkedHashMap<>();
        for (String line : script.split("\n")) {
            if (!line.contains("--create")) {
                continue;
            }
            List<String> words = List.of(line.trim().split("\\s+"));
            assertTrue(words.contains("--if-not-exists"), line);
            assertEquals("\"$REPLICATION_FACTOR\"", words.get(words.indexOf("--replication-factor") + 1), line);
            List<String> configs = new ArrayList<>();
            for (int i = 0; i < words.size(); i++) {
                if (words.get(i).equals("--config") && !words.get(i + 1).startsWith("min.insync.replicas=")) {
                    configs.add(words.get(i + 1));   // min.insync.replicas comes from topics.minInsyncReplicas
                }
            }
            String name = words.get(words.indexOf("--topic") + 1);
            assertFalse(topics.containsKey(name), "created twice: " + name);
            topics.put(name, new Topic(Integer.parseInt(words.get(words.indexOf("--partitions") + 1)), configs));
        }
        return topics;
    }
}
