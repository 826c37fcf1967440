package io.metalprompt.lm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every case of both reference.json files, to 1e-4 absolute (ids exactly). */
class ReferenceFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void matchesTheReferenceImplementation(String name) throws Exception {
        Path dir = LmFixtures.root().resolve(name);
        Path refFile = dir.resolve("reference.json");
        ReferenceCheck.Report report = ReferenceCheck.run(dir, refFile);
        System.out.println(name + "\n" + report.toTable(1e-4));

        JsonNode ref = new ObjectMapper().readTree(refFile.toFile());
        Map<String, Integer> want = new TreeMap<>();
        want.put("encode", ref.get("encode").size());
        want.put("full", ref.get("full").size());
        want.put("generate", ref.get("generate").size());
        want.put("prefix-injected", ref.get("prefix").size());
        want.put("prefix-computed", ref.get("prefix").size());
        want.put("embeds", ref.get("embeds").size());
        Map<String, Integer> got = new TreeMap<>();
        report.cases().forEach(c -> got.merge(c.kind(), 1, Integer::sum));
        assertEquals(want, got, "every reference case must be checked");
        assertTrue(want.values().stream().allMatch(n -> n > 0), "reference has empty sections: " + want);

        for (ReferenceCheck.CaseResult c : report.cases()) {
            assertTrue(c.passed(1e-4), name + " " + c.kind() + "[" + c.index() + "] failed: error " + c.maxAbsError()
                    + " ids " + c.idsMatch() + " " + c.detail());
        }
        assertTrue(report.passed());
    }
}
