package io.metalprompt.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * CPU time each process of the system under test has used so far (user + system, from the OS through
 * {@link ProcessHandle.Info#totalCpuDuration()}): the processes deploy/local wrote pid files for (Kafka, Redis, the
 * three services) and this harness's JVM (the closed-loop clients and the in-process engine). Two samples around a
 * cell give the CPU a request costs in each process, which shows where a 2-core machine's time goes when the gateway
 * path is slower than the engine it wraps (issue 18, item 1).
 */
record ProcessCpu(Map<String, Long> nanos) {

    static final String HARNESS = "harness";
    static final String TOTAL = "total";

    /** Now, for every live process with a pid file in {@code pids} (none when null), and this JVM. */
    static ProcessCpu sample(Path pids) {
        Map<String, Long> nanos = new LinkedHashMap<>();
        for (Map.Entry<String, Long> p : pidFiles(pids).entrySet()) {
            cpu(ProcessHandle.of(p.getValue())).ifPresent(d -> nanos.put(p.getKey(), d.toNanos()));
        }
        cpu(Optional.of(ProcessHandle.current())).ifPresent(d -> nanos.put(HARNESS, d.toNanos()));
        return new ProcessCpu(nanos);
    }

    /** The processes' names (pid file names without {@code .pid}) and pids, sorted by name; unreadable files skipped. */
    static Map<String, Long> pidFiles(Path pids) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (pids == null || !Files.isDirectory(pids)) {
            return out;
        }
        try (Stream<Path> files = Files.list(pids)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".pid")).sorted().toList()) {
                String name = f.getFileName().toString();
                try {
                    out.put(name.substring(0, name.length() - ".pid".length()), Long.parseLong(Files.readString(f).trim()));
                } catch (IOException | NumberFormatException e) {
                    ServingBench.log("skipping pid file " + f + ": " + e);
                }
            }
        } catch (IOException e) {
            ServingBench.log("cannot list " + pids + ": " + e);
        }
        return out;
    }

    /**
     * CPU ms per request spent in each process between {@code before} and this sample (processes in both samples,
     * in this sample's order), and under the key {@link #TOTAL} their sum.
     */
    Map<String, Double> perRequest(ProcessCpu before, int requests) {
        Map<String, Double> out = new LinkedHashMap<>();
        double total = 0;
        for (Map.Entry<String, Long> e : nanos.entrySet()) {
            Long then = before.nanos.get(e.getKey());
            if (then != null) {
                double ms = (e.getValue() - then) / 1e6 / requests;
                out.put(e.getKey(), ms);
                total += ms;
            }
        }
        out.put(TOTAL, total);
        return out;
    }

    /** The names a report's columns follow: every process of {@code samples}, first seen first, then the total. */
    static List<String> columns(List<Map<String, Double>> samples) {
        Map<String, Boolean> names = new LinkedHashMap<>();
        for (Map<String, Double> s : samples) {
            s.keySet().stream().filter(k -> !k.equals(TOTAL)).forEach(k -> names.put(k, true));
        }
        names.put(TOTAL, true);
        return List.copyOf(names.keySet());
    }

    private static Optional<Duration> cpu(Optional<ProcessHandle> handle) {
        return handle.filter(ProcessHandle::isAlive).flatMap(h -> h.info().totalCpuDuration());
    }
}
