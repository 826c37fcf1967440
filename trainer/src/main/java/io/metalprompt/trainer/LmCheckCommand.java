package io.metalprompt.trainer;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.metalprompt.lm.ReferenceCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code metal lm check}: largest absolute error per reference case; a failed run (exit 1) above the tolerance. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Compare a model folder's tokenizer, logits, greedy tokens, prefix and embedding paths with a reference.json.")
public class LmCheckCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Hugging Face model folder (config.json, model.safetensors, tokenizer.json)")
    Path model;

    @Option(names = "--reference", required = true, description = "reference.json with encode/full/generate/prefix/embeds cases")
    Path reference;

    @Option(names = "--tolerance", defaultValue = "1e-4", description = "largest absolute logit error allowed (default ${DEFAULT-VALUE})")
    double tolerance;

    @Override
    public Integer call() {
        ReferenceCheck.Report report = ReferenceCheck.run(model, reference);
        System.out.print(report.toTable(tolerance));
        boolean ok = report.passed(tolerance);
        System.out.printf("%s: largest absolute error %.3g (tolerance %.1g)%n", ok ? "PASS" : "FAIL",
                report.maxAbsError(), tolerance);
        return ok ? CliErrors.OK : CliErrors.FAILED;
    }
}
