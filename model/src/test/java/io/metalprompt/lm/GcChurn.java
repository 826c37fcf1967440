package io.metalprompt.lm;

import java.nio.ByteBuffer;

/**
 * Provokes what a long training run meets sooner or later between a forward and its backward pass: garbage
 * collections that free unreachable direct buffers, and new direct buffers (full of large values) reusing the memory.
 */
public final class GcChurn {

    private GcChurn() {
    }

    public static void run() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(20);   // the collector frees direct buffers through their cleaners, on its own thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            ByteBuffer[] fresh = new ByteBuffer[50];
            for (int i = 0; i < fresh.length; i++) {
                fresh[i] = ByteBuffer.allocateDirect(64_000);
                for (int b = 0; b < 64_000; b += 4) {
                    fresh[i].putFloat(b, 1e30f);
                }
            }
        }
    }
}
