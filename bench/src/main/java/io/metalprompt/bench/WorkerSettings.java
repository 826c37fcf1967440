package io.metalprompt.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.Properties;

import io.metalprompt.worker.InferenceEngine;
import io.metalprompt.worker.WorkerConfig;
import io.smallrye.config.WithDefault;

/**
 * The packaged worker's serving settings, read from the worker itself rather than copied: how many request records
 * one poll hands its batch consumer ({@code max.poll.records} of its {@code application.properties}), and the
 * defaults of {@code metal.serving.max-rows} and {@code metal.serving.cache-bytes} ({@link WorkerConfig}).
 */
record WorkerSettings(int maxBatch, int maxRows, long cacheBytes) {

    private static final String MAX_POLL_RECORDS = "metal.kafka.requests.max.poll.records";

    /** The settings the worker runs with when nothing overrides them. */
    static WorkerSettings ofWorker() {
        return new WorkerSettings(Integer.parseInt(workerProperty(MAX_POLL_RECORDS)),
                Integer.parseInt(defaultOf("maxRows")), Long.parseLong(defaultOf("cacheBytes")));
    }

    /** A property of the worker's own application.properties (the one in the jar or folder its classes come from). */
    private static String workerProperty(String name) {
        String home = InferenceEngine.class.getProtectionDomain().getCodeSource().getLocation().toString();
        try {
            for (URL url : Collections.list(InferenceEngine.class.getClassLoader().getResources("application.properties"))) {
                if (url.toString().replaceFirst("^jar:", "").startsWith(home)) {
                    Properties p = new Properties();
                    try (InputStream in = url.openStream()) {
                        p.load(in);
                    }
                    String value = p.getProperty(name);
                    if (value == null) {
                        throw new IllegalStateException("the worker's " + url + " sets no " + name);
                    }
                    return value.strip();
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the worker's application.properties", e);
        }
        throw new IllegalStateException("no application.properties of the worker under " + home);
    }

    private static String defaultOf(String setting) {
        WithDefault value;
        try {
            value = WorkerConfig.Serving.class.getMethod(setting).getAnnotation(WithDefault.class);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("WorkerConfig.Serving has no setting " + setting, e);
        }
        if (value == null) {
            throw new IllegalStateException("WorkerConfig.Serving." + setting + " has no default");
        }
        return value.value();
    }
}
