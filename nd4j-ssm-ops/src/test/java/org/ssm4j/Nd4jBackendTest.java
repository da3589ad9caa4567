package org.ssm4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Nd4jBackendTest {
    @Test
    void cpuBackendComputesOnThisJdk() {
        var a = Nd4j.linspace(1, 6, 6, DataType.FLOAT).reshape(2, 3);
        assertEquals(21.0, a.sumNumber().doubleValue(), 1e-6);
        assertEquals("CPU", Nd4j.getBackend().getClass().getSimpleName().replace("Backend", "").toUpperCase());
    }
}
