package io.metalprompt.prompt;

import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.text.IclFormat;

/**
 * Where a PGM's k padding rows stand in its one pass: the {@link PaddingPlacement}, and for
 * {@link PaddingPlacement#INTERLEAVED} the id of the token that ends an example ({@link IclFormat#TERMINATOR}),
 * after which each group of rows stands; and how many examples one pass of iterative generation reads at most
 * ({@code examplesPerPass}, 0 = as many as fit the context: a PGM meta-trained on iterative episodes of m examples
 * per pass reads its larger example sets in passes of that size); and how many passes' prompts the result of
 * iterative generation keeps side by side ({@code passesKept}: 1 = the last pass's prompt alone, the paper's mode; n =
 * the prompts of the last n passes, k positions each, oldest first, so a prompt grows with the examples up to n x k
 * positions). Recorded in {@code pgm.json}.
 */
public record PaddingLayout(PaddingPlacement placement, long terminator, int examplesPerPass, int passesKept) {

    private static final long NONE = -1;

    public PaddingLayout {
        if (placement == null) {
            throw new IllegalArgumentException("a padding placement is required");
        }
        if (placement == PaddingPlacement.INTERLEAVED && terminator < 0) {
            throw new IllegalArgumentException("INTERLEAVED padding needs the id of the token that ends an example");
        }
        if (placement == PaddingPlacement.END) {
            terminator = NONE;   // END reads no terminator: one END layout, whatever was passed
        }
        if (examplesPerPass < 0) {
            throw new IllegalArgumentException("examples per pass must be >= 0 (0 = as many as fit), got " + examplesPerPass);
        }
        if (passesKept < 1) {
            throw new IllegalArgumentException("passes kept must be >= 1 (1 = the last pass's prompt), got " + passesKept);
        }
    }

    public PaddingLayout(PaddingPlacement placement, long terminator) {
        this(placement, terminator, 0, 1);
    }

    /** This layout with passes of iterative generation reading at most {@code n} examples (0 = as many as fit). */
    public PaddingLayout withExamplesPerPass(int n) {
        return new PaddingLayout(placement, terminator, n, passesKept);
    }

    /** This layout with iterative generation keeping the prompts of its last {@code n} passes side by side. */
    public PaddingLayout withPassesKept(int n) {
        return new PaddingLayout(placement, terminator, examplesPerPass, n);
    }

    /** The paper's layout: {@code [XP ; k rows]}. */
    public static PaddingLayout end() {
        return new PaddingLayout(PaddingPlacement.END, NONE);
    }

    /** A group of rows after each example, which ends with token {@code terminatorId}. */
    public static PaddingLayout interleaved(long terminatorId) {
        return new PaddingLayout(PaddingPlacement.INTERLEAVED, terminatorId);
    }

    /** {@code placement}, with the terminator looked up in {@code tokenizer} where the placement needs one. */
    public static PaddingLayout of(PaddingPlacement placement, LmTokenizer tokenizer) {
        return placement == PaddingPlacement.INTERLEAVED ? interleaved(terminatorId(tokenizer)) : end();
    }

    /** The id of {@link IclFormat#TERMINATOR} in {@code tokenizer}, which must encode it as one token. */
    public static long terminatorId(LmTokenizer tokenizer) {
        long[] ids = tokenizer.encode(IclFormat.TERMINATOR);
        if (ids.length != 1) {
            throw new IllegalArgumentException("the tokenizer splits the example terminator \"" + IclFormat.TERMINATOR
                    + "\" into " + ids.length + " tokens; INTERLEAVED padding needs it as one token");
        }
        return ids[0];
    }

    /** The slots of padding rows 0..k-1 within {@code [xp ; k rows]}: {@link PaddingPlacement#slots}. */
    int[] slots(long[] xp, int k) {
        return placement.slots(xp, k, terminator);
    }
}
