package io.metalprompt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void warmsUpLinearlyThenDecaysToTheFloor() {
        LrSchedule s = new LrSchedule(1e-3, 1e-4, 10, 110);
        assertEquals(1e-4, s.at(0), 1e-12);
        assertEquals(1e-3, s.at(9), 1e-12);
        assertEquals(1e-3, s.at(10), 1e-12);
        assertEquals((1e-3 + 1e-4) / 2, s.at(60), 1e-12);
        assertEquals(1e-4, s.at(110), 1e-12);
        assertEquals(1e-4, s.at(500), 1e-12);
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(1e-3, 1e-2, 10, 100));
    }
}
