package io.metalprompt.trainer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

import io.metalprompt.lm.Generator;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code metal lm generate}: greedy continuation of a prompt, with a KV cache. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Greedy generation from a prompt.")
public class LmGenerateCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model folder")
    Path model;

    @Option(names = "--prompt", required = true, description = "prompt text")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "20", description = "tokens to generate (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu (default ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--dtype", defaultValue = "fp32", description = "fp32, fp16 or bf16 (half precisions on gpu only)")
    String dtype;

    @Override
    public Integer call() {
        if (maxTokens < 1) {
            throw new ParameterException(spec.commandLine(), "--max-tokens must be at least 1");
        }
        try (LanguageModel lm = LanguageModel.load(model, new LmSettings(device, dtype));
             LmTokenizer tokenizer = LmTokenizer.load(model)) {
            long[] ids = tokenizer.encode(prompt);
            if (ids.length == 0) {
                throw new IllegalArgumentException("the prompt encodes to no tokens");
            }
            long[] out = Generator.builder(lm).optMaxNewTokens(maxTokens).build().greedy(ids);
            long[] generated = out.length > ids.length && startsWith(out, ids) ? Arrays.copyOfRange(out, ids.length, out.length) : out;
            System.out.println(prompt + tokenizer.decode(generated));
            return CliErrors.OK;
        }
    }

    private static boolean startsWith(long[] a, long[] prefix) {
        return Arrays.equals(Arrays.copyOf(a, prefix.length), prefix);
    }
}
