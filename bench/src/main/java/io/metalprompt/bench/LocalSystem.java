package io.metalprompt.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.metalprompt.store.ApiKeys;
import io.metalprompt.store.RedisConnector;

/** The local system of deploy/local on free ports and its own run folder, started and stopped by the harness. */
final class LocalSystem {

    private final Path root;
    private final Map<String, String> env;

    private LocalSystem(Path root, Map<String, String> env) {
        this.root = root;
        this.env = env;
    }

    /** Starts Kafka, Redis and the three packaged services with deploy/local/start.sh; {@code threads}: PyTorch's. */
    static LocalSystem start(Path root, int threads) throws IOException, InterruptedException {
        return start(root, threads, Map.of());
    }

    /** As {@link #start(Path, int)}, with {@code settings} (service environment variables) on top. */
    static LocalSystem start(Path root, int threads, Map<String, String> settings) throws IOException, InterruptedException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("METAL_RUN_DIR", root.resolve("bench/target/serving-run").toString());
        String[] names = {"METAL_KAFKA_PORT", "METAL_KAFKA_CONTROLLER_PORT", "METAL_REDIS_PORT", "METAL_GATEWAY_PORT",
                "METAL_PROMPT_GENERATOR_PORT", "METAL_INFERENCE_WORKER_PORT", "METAL_GATEWAY_MANAGEMENT_PORT",
                "METAL_PROMPT_GENERATOR_MANAGEMENT_PORT", "METAL_INFERENCE_WORKER_MANAGEMENT_PORT"};
        for (String name : names) {
            env.put(name, Integer.toString(freePort()));
        }
        env.put("METAL_NO_SAMPLE", "1");
        // a load test of one tenant: the per-tenant rate and concurrency quotas (0 = off) would measure the quota
        env.put("METAL_GATEWAY_QUOTA_REQUESTS_PER_SECOND", "0");
        env.put("METAL_GATEWAY_QUOTA_MAX_CONCURRENT_REQUESTS", "0");
        // the same PyTorch threads in the services as in this JVM
        // METAL_BENCH_JAVA_OPTS: more flags for every service JVM, the broker's included (a profiler agent); a -D setting
        // that only one service knows stops the others (their configuration is strict): set those in the environment
        String extra = System.getenv().getOrDefault("METAL_BENCH_JAVA_OPTS", "");
        env.put("METAL_JAVA_OPTS", ("-Dai.djl.pytorch.num_threads=" + threads + " -Dai.djl.pytorch.num_interop_threads=1 "
                + extra).strip());
        env.putAll(settings);
        LocalSystem system = new LocalSystem(root, env);
        ServingBench.log("starting the local system (deploy/local/start.sh, run folder " + env.get("METAL_RUN_DIR") + ")");
        if (system.script("start.sh") != 0) {
            system.stop();
            throw new IllegalStateException("deploy/local/start.sh failed; its output is in "
                    + system.logFile("start.sh") + ", service logs under " + env.get("METAL_RUN_DIR") + "/logs");
        }
        return system;
    }

    /** deploy/local's pid files of the processes it started (Kafka, Redis, the services): {@link ProcessCpu}. */
    Path pids() {
        return Path.of(env.get("METAL_RUN_DIR"), "pids");
    }

    String gateway() {
        return "http://127.0.0.1:" + env.get("METAL_GATEWAY_PORT");
    }

    String redis() {
        return "redis://127.0.0.1:" + env.get("METAL_REDIS_PORT");
    }

    /** The worker's management interface (health, /q/metrics). */
    String workerManagement() {
        return "http://127.0.0.1:" + env.get("METAL_INFERENCE_WORKER_MANAGEMENT_PORT");
    }

    /** The gateway's management interface (health, /q/metrics). */
    String gatewayManagement() {
        return "http://127.0.0.1:" + env.get("METAL_GATEWAY_MANAGEMENT_PORT");
    }

    /** A new API key of {@code tenant} in this system's Redis: the gateway wants one on every call. */
    String createApiKey(String tenant) {
        try (RedisConnector redis = new RedisConnector(redis(), Duration.ofSeconds(5))) {
            return new ApiKeys(redis).create(tenant).key();
        }
    }

    /** The prompt-generator's management interface (health, /q/metrics). */
    String promptGeneratorManagement() {
        return "http://127.0.0.1:" + env.get("METAL_PROMPT_GENERATOR_MANAGEMENT_PORT");
    }

    /** A replica started by {@link #startPromptGenerator()}: its process and management interface. */
    record Replica(Process process, String management) {
    }

    String kafka() {
        return "127.0.0.1:" + env.get("METAL_KAFKA_PORT");
    }

    /**
     * One more prompt-generator replica (a packaged JVM as start.sh starts one, on free ports, with this system's
     * settings), ready when this returns; stop its process before {@link #stop()}.
     */
    Replica startPromptGenerator() throws IOException, InterruptedException {
        int management = freePort();
        ProcessBuilder b = new ProcessBuilder("java", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1", "-jar",
                root.resolve("prompt-generator/target/quarkus-app/quarkus-run.jar").toString())
                .directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(Path.of(env.get("METAL_RUN_DIR"), "prompt-generator-2.log").toFile());
        b.environment().putAll(env);
        Map<String, String> own = b.environment();
        own.put("KAFKA_BOOTSTRAP_SERVERS", kafka());
        own.put("METAL_REDIS_URL", redis());
        own.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        own.put("QUARKUS_HTTP_PORT", Integer.toString(freePort()));
        own.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        own.put("QUARKUS_MANAGEMENT_PORT", Integer.toString(management));
        own.put("METAL_MODEL_BASE", root.resolve("models/base-lm").toString());
        own.put("METAL_MODEL_PGM", root.resolve("models/pgm").toString());
        own.put("OPT_OUT_TRACKING", "true");
        own.put("DJL_OFFLINE", "true");
        own.put("OMP_WAIT_POLICY", "PASSIVE");
        Process p = b.start();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.URI ready = java.net.URI.create("http://127.0.0.1:" + management + "/q/health/ready");
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline && p.isAlive()) {
            try {
                if (http.send(java.net.http.HttpRequest.newBuilder(ready).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return new Replica(p, "http://127.0.0.1:" + management);
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        p.destroy();
        throw new IllegalStateException("the second prompt-generator was not ready within 120 s; see "
                + env.get("METAL_RUN_DIR") + "/prompt-generator-2.log");
    }

    void stop() throws IOException, InterruptedException {
        ServingBench.log("stopping the local system (deploy/local/stop.sh)");
        if (script("stop.sh") != 0) {
            ServingBench.log("deploy/local/stop.sh failed; see " + logFile("stop.sh"));
        }
    }

    private Path logFile(String script) {
        return Path.of(env.get("METAL_RUN_DIR"), "bench-" + script.replace(".sh", "") + ".log");
    }

    private int script(String name) throws IOException, InterruptedException {
        Files.createDirectories(Path.of(env.get("METAL_RUN_DIR")));
        ProcessBuilder b = new ProcessBuilder(root.resolve("deploy/local/" + name).toString()).directory(root.toFile())
                .redirectErrorStream(true).redirectOutput(logFile(name).toFile());
        b.environment().putAll(env);
        return b.start().waitFor();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
