package org.ssm4j.ops.runtime;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DenseArraysTest {

    private static INDArray cube() {
        return Nd4j.linspace(1, 24, 24, DataType.FLOAT).reshape(2, 3, 4);
    }

    @Test
    void aDenseViewWithAnOffsetIsUsedInPlace() {
        INDArray view = cube().get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.all());
        assertTrue(DenseArrays.isDense(view));
        assertSame(view, DenseArrays.dense(view));
        MemorySegment segment = DenseArrays.segment(view);
        assertEquals(12 * Float.BYTES, segment.byteSize());
        assertEquals(13f, segment.getAtIndex(ValueLayout.JAVA_FLOAT, 0));
        assertEquals(24f, segment.getAtIndex(ValueLayout.JAVA_FLOAT, 11));
    }

    @Test
    void stridedAndPermutedViewsAreCopied() {
        INDArray permuted = cube().permute(0, 2, 1);
        INDArray strided = cube().get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 4));
        for (INDArray view : new INDArray[]{permuted, strided, Nd4j.create(DataType.FLOAT, new long[]{2, 3, 4}, 'f').assign(cube())}) {
            assertFalse(DenseArrays.isDense(view));
            INDArray dense = DenseArrays.dense(view);
            assertTrue(DenseArrays.isDense(dense));
            assertEquals(view, dense);
            assertThrows(IllegalArgumentException.class, () -> DenseArrays.segment(view));
        }
    }

    @Test
    void anOutputForAStridedTargetIsCopiedBackOnCommit() {
        INDArray target = Nd4j.zeros(DataType.FLOAT, 3, 2).transpose();
        DenseArrays.Output output = DenseArrays.output(target);
        MemorySegment segment = output.segment();
        for (int i = 0; i < 6; i++) {
            segment.setAtIndex(ValueLayout.JAVA_FLOAT, i, i);
        }
        output.commit();
        assertEquals(Nd4j.createFromArray(new float[][]{{0, 1, 2}, {3, 4, 5}}), target);
    }

    /** A backend's host memory that records what it is told. */
    private static HostMemory recording(List<String> events) {
        return new HostMemory() {
            @Override
            public void beforeHostRead(INDArray array) {
                events.add("read " + Arrays.toString(array.shape()));
            }

            @Override
            public void afterHostWrite(INDArray array) {
                events.add("wrote " + Arrays.toString(array.shape()));
            }
        };
    }

    @Test
    void theBackendsHostMemoryIsToldOfEveryKernelReadAndWrite() {
        List<String> events = new ArrayList<>();
        INDArray input = cube();
        INDArray target = Nd4j.zeros(DataType.FLOAT, 3, 2).transpose();
        DenseArrays.useHostMemory(recording(events));
        try {
            DenseArrays.segment(input);
            DenseArrays.Output output = DenseArrays.output(target);
            output.segment().fill((byte) 0);
            output.commit();
        } finally {
            DenseArrays.useHostMemory(HostMemory.DIRECT);
        }
        assertEquals(List.of("read [2, 3, 4]", "read [2, 3]", "wrote [2, 3]"), events);
    }

    @Test
    void onABackendWithDeviceCopiesJavaKernelsWriteOffsetViewsThroughATemporary() {
        INDArray whole = cube();
        INDArray view = whole.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.all());
        assertSame(view, DenseArrays.output(view).array());
        DenseArrays.useHostMemory(recording(new ArrayList<>()));
        try {
            DenseArrays.Output output = DenseArrays.output(view);
            assertNotSame(view, output.array());
            output.segment().fill((byte) 0);
            output.commit();
            assertSame(whole, DenseArrays.output(whole).array());
        } finally {
            DenseArrays.useHostMemory(HostMemory.DIRECT);
        }
        assertEquals(Nd4j.zeros(DataType.FLOAT, 3, 4), whole.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.all()));
        assertEquals(1f, whole.getFloat(0, 0, 0));
    }

    @Test
    void denseFromStartCopiesOffsetViews() {
        INDArray whole = cube();
        assertSame(whole, DenseArrays.denseFromStart(whole));
        INDArray view = whole.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.all());
        assertTrue(DenseArrays.isDense(view));
        assertFalse(DenseArrays.isDenseFromStart(view));
        INDArray copy = DenseArrays.denseFromStart(view);
        assertTrue(DenseArrays.isDenseFromStart(copy));
        assertEquals(view, copy);
        assertNotSame(view, DenseArrays.Access.DEVICE.output(view).array());
        assertSame(whole, DenseArrays.Access.DEVICE.output(whole).array());
    }

    @Test
    void emptyArraysHaveAnEmptySegment() {
        assertEquals(0, DenseArrays.segment(Nd4j.create(DataType.FLOAT, 2, 3, 0)).byteSize());
    }
}
