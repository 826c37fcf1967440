package io.metalprompt.prompt;

import java.util.List;

import io.metalprompt.lm.KvCache;
import io.metalprompt.tasks.TaskExample;

/**
 * What a method puts in front of every query of a task, built once from the task's k examples: the
 * per-layer keys/values of a prompt, of demonstrations, or of both (a single-row {@link KvCache}); null for
 * nothing (zero-shot). Serving and evaluation both score queries behind this prefix.
 */
public interface TaskConditioner {

    /** The prefix for a task given its training examples; null for none. The caller closes it. */
    KvCache condition(List<TaskExample> examples);

    /** Method name for reports, e.g. {@code icl}. */
    String name();

    /**
     * Bytes a server stores for the task last conditioned, beyond the prefix it computes from them (a prompt
     * artifact, the demonstrations' text); 0 when nothing is stored.
     */
    default long lastStoredBytes() {
        return 0;
    }
}
