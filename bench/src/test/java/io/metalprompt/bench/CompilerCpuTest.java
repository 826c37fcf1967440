package io.metalprompt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class CompilerCpuTest {

    /** A stat line as Linux writes it: pid, (name), state, then numbers; utime and stime are fields 14 and 15. */
    private static String stat(String name, long utime, long stime) {
        return "4242 (" + name + ") S 1 4242 4242 0 -1 4194368 1200 0 0 0 " + utime + " " + stime
                + " 0 0 20 0 40 0 1234 0 0\n";
    }

    @Test
    void compilerThreadsCountUserAndSystemTicks() {
        assertEquals(337, CompilerCpu.compilerTicks(stat("C2 CompilerThre", 330, 7)));
        assertEquals(12, CompilerCpu.compilerTicks(stat("C1 CompilerThre", 10, 2)));
    }

    @Test
    void otherThreadsCountNothing() {
        assertEquals(0, CompilerCpu.compilerTicks(stat("executor-thread", 500, 40)));
        assertEquals(0, CompilerCpu.compilerTicks(stat("GC Thread#0", 5, 1)));
    }

    @Test
    void aNameWithParenthesesAndSpacesIsReadToItsLastParenthesis() {
        // a thread may name itself anything, ") 9 9" included: the fields start after the last ')'
        assertEquals(0, CompilerCpu.compilerTicks(stat("x) S 1 2 3 4 5 6 7 8 9 10 11 (y", 3, 4)));
        assertEquals(0, CompilerCpu.compilerTicks("not a stat line"));
    }

    @Test
    void thisJvmHasCompiledSomethingByNow() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        // starting JUnit alone compiles hundreds of methods: well over one 10 ms tick of compiler CPU
        assertTrue(CompilerCpu.millis(ProcessHandle.current().pid()) > 0);
    }
}
