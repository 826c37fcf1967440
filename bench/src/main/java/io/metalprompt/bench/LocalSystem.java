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
        Map<String, String> env = new LinkedHashMap<>();
        env.put("METAL_RUN_DIR", root.resolve("bench/target/serving-run").toString());
        String[] names = {"METAL_KAFKA_PORT", "METAL_KAFKA_CONTROLLER_PORT", "METAL_REDIS_PORT", "METAL_GATEWAY_PORT",
                "METAL_PROMPT_GENERATOR_PORT", "METAL_INFERENCE_WORKER_PORT"};
        for (String name : names) {
            env.put(name, Integer.toString(freePort()));
        }
        env.put("METAL_NO_SAMPLE", "1");
        // a load test of one tenant: the per-tenant rate and concurrency quotas (0 = off) would measure the quota
        env.put("METAL_GATEWAY_QUOTA_REQUESTS_PER_SECOND", "0");
        env.put("METAL_GATEWAY_QUOTA_MAX_CONCURRENT_REQUESTS", "0");
        // the same PyTorch threads in the services as in this JVM
        env.put("METAL_JAVA_OPTS", "-Dai.djl.pytorch.num_threads=" + threads + " -Dai.djl.pytorch.num_interop_threads=1");
        LocalSystem system = new LocalSystem(root, env);
        ServingBench.log("starting the local system (deploy/local/start.sh, run folder " + env.get("METAL_RUN_DIR") + ")");
        if (system.script("start.sh") != 0) {
            system.stop();
            throw new IllegalStateException("deploy/local/start.sh failed; its output is in "
                    + system.logFile("start.sh") + ", service logs under " + env.get("METAL_RUN_DIR") + "/logs");
        }
        return system;
    }

    String gateway() {
        return "http://127.0.0.1:" + env.get("METAL_GATEWAY_PORT");
    }

    String redis() {
        return "redis://127.0.0.1:" + env.get("METAL_REDIS_PORT");
    }

    String worker() {
        return "http://127.0.0.1:" + env.get("METAL_INFERENCE_WORKER_PORT");
    }

    /** A new API key of {@code tenant} in this system's Redis: the gateway wants one on every call. */
    String createApiKey(String tenant) {
        try (RedisConnector redis = new RedisConnector(redis(), Duration.ofSeconds(5))) {
            return new ApiKeys(redis).create(tenant).key();
        }
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
