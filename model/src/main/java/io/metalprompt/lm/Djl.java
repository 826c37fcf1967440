package io.metalprompt.lm;

/** DJL process-wide switches that must be set before the first engine call. */
public final class Djl {
    private Djl() {
    }

    /**
     * Keeps DJL from downloading engines or calling home: the native PyTorch library must come
     * from the bundled {@code pytorch-native-cpu} jar. Idempotent; call before any NDManager use.
     */
    public static void ensureOffline() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }
}
