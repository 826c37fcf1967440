package io.metalprompt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.metalprompt.models.ModelKind;
import io.metalprompt.models.ModelStore;
import picocli.CommandLine;

/**
 * Options with a closed set of values take their documented spellings (and older ones), list them in {@code --help},
 * and refuse anything else as bad input naming the set.
 */
class ClosedOptionSetsTest {

    private static final List<String> EVAL = List.of("eval", "--model", "m", "--tasks", "t", "--config", "c", "--out", "o");

    private static EvalMethod method(String spelling) {
        EvalCommand eval = new EvalCommand();
        new CommandLine(eval).parseArgs("--model", "m", "--tasks", "t", "--config", "c", "--out", "o", "--method", spelling);
        return eval.method;
    }

    @Test
    void evalMethodsKeepTheirSpellings() {
        Map.of("zero-shot", EvalMethod.ZERO_SHOT, "icl", EvalMethod.ICL, "metal-prompt", EvalMethod.METAL_PROMPT,
                "pgm", EvalMethod.METAL_PROMPT, "prompt-tuning", EvalMethod.PROMPT_TUNING)
                .forEach((spelling, method) -> assertEquals(method, method(spelling), spelling));
        String help = new CommandLine(new EvalCommand()).getUsageMessage().replaceAll("\\s+", " ");
        assertTrue(help.contains("zero-shot, icl, metal-prompt, prompt-tuning: no context"), "--help lists the methods: " + help);
    }

    @Test
    void anUnknownMethodIsBadInputNamingTheMethods() {
        List<String> args = new ArrayList<>(EVAL);
        args.addAll(List.of("--method", "few-shot"));
        MetalCli.Run run = MetalCli.run(args);
        assertEquals(CliErrors.BAD_INPUT, run.code());
        assertTrue(run.err().startsWith("Invalid value for option '--method': expected one of zero-shot, icl, "
                + "metal-prompt, prompt-tuning but was 'few-shot'"), run.err());
    }

    @Test
    void periodicMetricIsOneOfTwo() {
        PeriodicCommand periodic = new PeriodicCommand();
        CommandLine cl = new CommandLine(periodic);
        cl.parseArgs("--base", "b", "--store", "s", "--config", "c");
        assertEquals(PublishMetric.MACRO_F1, periodic.metric, "the default");
        cl.parseArgs("--base", "b", "--store", "s", "--config", "c", "--metric", "accuracy");
        assertEquals(PublishMetric.ACCURACY, periodic.metric);
        MetalCli.Run run = MetalCli.run("periodic", "--base", "b", "--store", "s", "--config", "c", "--metric", "f1");
        assertEquals(CliErrors.BAD_INPUT, run.code());
        assertTrue(run.err().startsWith("Invalid value for option '--metric': expected one of macro_f1, accuracy but was 'f1'"),
                run.err());
    }

    @Test
    void storeListKindIsPgmOrBase() {
        StoreCommand.ListVersions list = new StoreCommand.ListVersions();
        new CommandLine(list).parseArgs("--store", "s", "--kind", "base");
        assertEquals(ModelKind.BASE, list.k);
        MetalCli.Run run = MetalCli.run("store", "list", "--store", "s", "--kind", "bases");
        assertEquals(CliErrors.BAD_INPUT, run.code(), "no longer read as pgm");
        assertTrue(run.err().startsWith("Invalid value for option '--kind': expected one of pgm, base but was 'bases'"),
                run.err());
    }
}
