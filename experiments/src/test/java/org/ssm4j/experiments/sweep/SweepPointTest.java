package org.ssm4j.experiments.sweep;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepPointTest {

    @Test
    void throughputAndStepMemoryFollowFromTheMeasurement() {
        SweepPoint p = new SweepPoint(1024, 8, 2.0, 300L << 20, 1324L << 20, null);
        assertEquals(4096.0, p.tokensPerSecond(), 1e-12);
        assertEquals(1024L << 20, p.stepBytes());
        assertEquals(-1, new SweepPoint(8, 1, 1, -1, 5, null).stepBytes(), "unknown when /proc is missing");
        assertEquals(p, SweepPoint.fromJson(p.toJson()));
        SweepPoint skipped = SweepPoint.skipped(4096, 2, "too big");
        assertTrue(skipped.wasSkipped());
        SweepPoint back = SweepPoint.fromJson(skipped.toJson());
        assertEquals("too big", back.skipped());
        assertEquals(4096, back.length());
        assertTrue(Double.isNaN(back.secondsPerStep()));
    }
}
