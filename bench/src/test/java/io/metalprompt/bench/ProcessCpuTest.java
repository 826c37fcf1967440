package io.metalprompt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessCpuTest {

    @Test
    void readsPidFilesByNameAndSkipsWhatIsNotOne(@TempDir Path pids) throws Exception {
        Files.writeString(pids.resolve("gateway.pid"), ProcessHandle.current().pid() + "\n");
        Files.writeString(pids.resolve("kafka.pid"), "not a pid");
        Files.writeString(pids.resolve("notes.txt"), "42");

        assertEquals(Map.of("gateway", ProcessHandle.current().pid()), ProcessCpu.pidFiles(pids));
        assertEquals(Map.of(), ProcessCpu.pidFiles(pids.resolve("missing")));
        assertEquals(Map.of(), ProcessCpu.pidFiles(null));
    }

    @Test
    void samplesTheNamedProcessesAndThisJvmAndTheirCpuOnlyGrows(@TempDir Path pids) throws Exception {
        Files.writeString(pids.resolve("gateway.pid"), Long.toString(ProcessHandle.current().pid()));
        ProcessCpu before = ProcessCpu.sample(pids);
        long spin = System.nanoTime() + 50_000_000L;
        double sink = 0;
        while (System.nanoTime() < spin) {
            sink += Math.sqrt(sink + 1);
        }
        ProcessCpu after = ProcessCpu.sample(pids);

        assertEquals(List.of("gateway", ProcessCpu.HARNESS), List.copyOf(after.nanos().keySet()), "sink " + sink);
        Map<String, Double> perRequest = after.perRequest(before, 1);
        assertTrue(perRequest.get(ProcessCpu.HARNESS) > 10, perRequest::toString);   // 50 ms of spinning
        assertTrue(perRequest.get("gateway") >= 0, perRequest::toString);
    }

    @Test
    void perRequestDividesTheDifferenceAndSumsOnlyProcessesInBothSamples() {
        ProcessCpu before = new ProcessCpu(ordered("gateway", 1_000_000L, "kafka", 5_000_000L));
        ProcessCpu after = new ProcessCpu(ordered("gateway", 21_000_000L, "kafka", 9_000_000L, "redis", 7_000_000L));

        Map<String, Double> perRequest = after.perRequest(before, 4);

        assertEquals(List.of("gateway", "kafka", ProcessCpu.TOTAL), List.copyOf(perRequest.keySet()));
        assertEquals(5.0, perRequest.get("gateway"), 1e-9);
        assertEquals(1.0, perRequest.get("kafka"), 1e-9);
        assertEquals(6.0, perRequest.get(ProcessCpu.TOTAL), 1e-9);
    }

    @Test
    void columnsFollowFirstSightAndEndWithTheTotal() {
        List<String> columns = ProcessCpu.columns(List.of(Map.of(ProcessCpu.HARNESS, 1.0, ProcessCpu.TOTAL, 1.0),
                ordered("gateway", 2.0, ProcessCpu.HARNESS, 1.0, ProcessCpu.TOTAL, 3.0)));
        assertEquals(List.of(ProcessCpu.HARNESS, "gateway", ProcessCpu.TOTAL), columns);
    }

    private static <V> Map<String, V> ordered(Object... pairs) {
        Map<String, V> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            @SuppressWarnings("unchecked")
            V v = (V) pairs[i + 1];
            m.put((String) pairs[i], v);
        }
        return m;
    }
}
