package org.ssm4j.ops.runtime;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SsmRuntimeSmokeTest {
    @Test
    void segmentOfViewWithOffset() {
        var a = Nd4j.linspace(1, 24, 24, DataType.FLOAT).reshape(2, 3, 4);
        var v = a.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.all());
        System.out.println("offset " + v.offset() + " dense " + DenseArrays.isDense(v) + " exec " + Nd4j.getExecutioner().getClass());
        var seg = DenseArrays.segment(v);
        assertEquals(13f, seg.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0));
        assertTrue(SsmRuntime.isInstalled());
    }
}
