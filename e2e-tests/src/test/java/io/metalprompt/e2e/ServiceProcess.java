package io.metalprompt.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.metalprompt.testing.ProjectPaths;
import io.metalprompt.testing.TestInfrastructure;

/**
 * One packaged service ({@code <module>/target/quarkus-app/quarkus-run.jar}) running in its own JVM, as
 * in production: the black box the end-to-end tests talk to over HTTP, Kafka and Redis.
 */
public final class ServiceProcess implements AutoCloseable {

    private final String module;
    private final int port;
    private final int managementPort;
    private final Process process;
    private final Path log;
    private final Map<String, String> env;

    private ServiceProcess(String module, int port, int managementPort, Process process, Path log,
                           Map<String, String> env) {
        this.module = module;
        this.port = port;
        this.managementPort = managementPort;
        this.process = process;
        this.log = log;
        this.env = env;
    }

    /**
     * Starts {@code module}'s packaged app on {@code port} with the given extra environment; its health and metrics
     * are on a management port of its own ({@link #managementUrl()}).
     */
    public static ServiceProcess start(String module, int port, Map<String, String> env) throws IOException {
        return start(module, port, TestInfrastructure.freePort(), env);
    }

    private static ServiceProcess start(String module, int port, int managementPort, Map<String, String> env)
            throws IOException {
        Path jar = ProjectPaths.root().resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: package the services first (the README's test "
                    + "command runs 'verify', which packages them before the end-to-end tests)");
        }
        Path logDir = ProjectPaths.root().resolve("e2e-tests/target/service-logs");
        Files.createDirectories(logDir);
        Path log = logDir.resolve(module + "-" + port + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(Map.of(
                "QUARKUS_HTTP_PORT", Integer.toString(port),
                "QUARKUS_HTTP_HOST", "127.0.0.1",
                "QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort),
                "QUARKUS_MANAGEMENT_HOST", "127.0.0.1",
                "OPT_OUT_TRACKING", "true",
                "DJL_OFFLINE", "true",
                "OMP_WAIT_POLICY", "PASSIVE"));
        builder.environment().putAll(env);
        return new ServiceProcess(module, port, managementPort, builder.start(), log, Map.copyOf(env));
    }

    /**
     * The environment every service of an end-to-end test gets: the Kafka and Redis to use (any form
     * {@code KAFKA_BOOTSTRAP_SERVERS} and {@code METAL_REDIS_URL} take: several brokers, a Cluster's seeds, a
     * {@code redis-sentinel://} URL) and the tiny test models.
     */
    public static Map<String, String> tinyModelsEnv(String kafkaBootstrap, String redisUrl) {
        Map<String, String> models = io.metalprompt.testing.TinyModels.config();
        return Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrap,
                "METAL_REDIS_URL", redisUrl,
                "METAL_MODEL_BASE", models.get("metal.model.base"),
                "METAL_MODEL_PGM", models.get("metal.model.pgm"),
                // the tiny test models' tokenizers know a few dozen words: no vocabulary check (VocabularyCheck)
                "METAL_MODEL_MAX_UNKNOWN_WORDS", "1");
    }

    /**
     * The three services (gateway, prompt-generator, inference-worker, in that order) on the tiny test models and the
     * test infrastructure's Kafka and Redis ({@link #tinyModelsEnv}), with {@code extra} on top for all of them and
     * {@code gatewayExtra} for the gateway alone; ready when this returns (all stopped again if one is not).
     */
    public static List<ServiceProcess> startTinySystem(Map<String, String> extra, Map<String, String> gatewayExtra)
            throws Exception {
        io.metalprompt.testing.TestInfrastructure infra = io.metalprompt.testing.TestInfrastructure.get();
        Map<String, String> env = new java.util.HashMap<>(tinyModelsEnv(infra.kafkaBootstrap(), infra.redisUrl()));
        env.putAll(extra);
        Map<String, String> gatewayEnv = new java.util.HashMap<>(env);
        gatewayEnv.putAll(gatewayExtra);
        List<ServiceProcess> started = new java.util.ArrayList<>();
        try {
            for (String module : List.of("gateway", "prompt-generator", "inference-worker")) {
                started.add(start(module, io.metalprompt.testing.TestInfrastructure.freePort(),
                        module.equals("gateway") ? gatewayEnv : env));
            }
            for (ServiceProcess service : started) {
                service.awaitReady(Duration.ofSeconds(120));
            }
            return started;
        } catch (Exception | AssertionError e) {
            for (ServiceProcess service : started) {
                service.close();
            }
            throw e;
        }
    }

    /** The same service started again on the same ports with the same environment (its log goes on). */
    public ServiceProcess restart() throws IOException, InterruptedException {
        close();
        return start(module, port, managementPort, env);
    }

    /** {@code kill -9}: no shutdown hook runs, nothing is flushed or committed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Where its health ({@code /q/health/...}) and metrics ({@code /q/metrics}) are: the management interface. */
    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    public Path log() {
        return log;
    }

    /** Waits until {@code /q/health/ready} answers 200; fails with the log's tail otherwise. */
    public void awaitReady(Duration timeout) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(managementUrl() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(module + " exited with " + process.exitValue() + "; log:\n" + tail());
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(module + " not ready within " + timeout + "; log:\n" + tail());
    }

    private String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
