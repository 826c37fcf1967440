package io.metalprompt.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** The PyTorch engine starts from the bundled native library with every call-home switch off. */
class DjlOfflineTest {

    @Test
    void engineRunsOfflineFromTheBundledNativeLibrary() {
        assertEquals("true", System.getenv("OPT_OUT_TRACKING"), "surefire must set OPT_OUT_TRACKING=true");
        assertEquals("true", System.getenv("DJL_OFFLINE"), "surefire must set DJL_OFFLINE=true");
        assertEquals("PASSIVE", System.getenv("OMP_WAIT_POLICY"), "surefire must set OMP_WAIT_POLICY=PASSIVE");
        Djl.ensureOffline();
        assertEquals("true", System.getProperty("ai.djl.offline"));

        Engine engine = Engine.getInstance();
        assertEquals("PyTorch", engine.getEngineName());
        assertEquals("2.7.1", engine.getVersion());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {1, 2, 3});
            assertArrayEquals(new float[] {2, 4, 6}, a.add(a).toFloatArray());
        }
    }
}
