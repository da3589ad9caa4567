package org.ssm4j.ops.runtime;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.config.SDValue;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SameDiff sessions that reuse a call's arrays in the next call: same results, and returned arrays untouched. */
class SessionRecyclingTest {

    @Test
    void isInstalledWithTheRuntime() {
        SsmRuntime.ensureInstalled();
        assertTrue(SessionRecycling.enabled());
        assertTrue(SessionRecycling.installed());
    }

    @Test
    void aMistypedSwitchIsRefusedNamingTheProperty() {
        String before = System.getProperty(SessionRecycling.PROPERTY);
        try {
            System.setProperty(SessionRecycling.PROPERTY, "flase");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, SessionRecycling::enabled);
            assertEquals("ssm4j.samediff.recycle must be true or false, got 'flase'", e.getMessage());
            System.setProperty(SessionRecycling.PROPERTY, " FALSE ");
            assertFalse(SessionRecycling.enabled());
        } finally {
            if (before == null) {
                System.clearProperty(SessionRecycling.PROPERTY);
            } else {
                System.setProperty(SessionRecycling.PROPERTY, before);
            }
        }
    }

    /** loss = sum(tanh(x W) * c): dW = xᵀ ((1 - tanh²(x W)) * c), computed apart from SameDiff. */
    @Test
    void gradientsStayCorrectAndEarlierOnesIntactCallAfterCall() {
        SsmRuntime.ensureInstalled();
        Nd4j.getRandom().setSeed(1);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 5);
        INDArray wValues = Nd4j.randn(DataType.DOUBLE, 5, 6);
        INDArray c = Nd4j.randn(DataType.DOUBLE, 4, 6);
        SDVariable w = sd.var("w", wValues);
        sd.math.tanh(x.mmul(w)).mul(sd.constant(c)).sum().markAsLoss();
        INDArray[] inputs = {Nd4j.randn(DataType.DOUBLE, 4, 5), Nd4j.randn(DataType.DOUBLE, 4, 5),
                Nd4j.randn(DataType.DOUBLE, 4, 5)};
        INDArray[] gradients = new INDArray[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            gradients[i] = sd.calculateGradients(Map.of("x", inputs[i]), "w").get("w");
            for (int j = 0; j <= i; j++) {
                INDArray t = Transforms.tanh(inputs[j].mmul(wValues));
                INDArray expected = inputs[j].transpose().mmul(t.mul(t).rsub(1).mul(c));
                assertTrue(expected.equalsWithEps(gradients[j], 1e-12), "call " + j + " after call " + i);
            }
        }
        assertNotSame(gradients[0], gradients[1]);
    }

    /** A call's outputs are not overwritten by later calls (views of the call's own arrays: the memory's own test). */
    @Test
    void earlierOutputsStayIntact() {
        SsmRuntime.ensureInstalled();
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 2, 3);
        SDVariable doubled = x.mul(2.0);
        doubled.reshape(6).add(1.0).rename("flat");
        sd.math.exp(doubled).rename("other");
        INDArray first = sd.output(Map.of("x", Nd4j.ones(DataType.FLOAT, 2, 3)), "flat", "other").get("flat");
        for (int i = 0; i < 3; i++) {
            sd.output(Map.of("x", Nd4j.zeros(DataType.FLOAT, 2, 3)), "flat", "other");
        }
        assertEquals(Nd4j.valueArrayOf(new long[]{6}, 3.0f), first);
    }

    @Test
    void aCallsOwnArraysAreHandedOutAgainInTheNextCall() {
        RecyclingSessionMemory memory = new RecyclingSessionMemory();
        memory.startCall();
        INDArray internal = memory.allocate(false, DataType.FLOAT, 4, 6);
        INDArray output = memory.allocate(false, DataType.FLOAT, 3, 8);
        INDArray detached = memory.allocate(true, DataType.FLOAT, 4, 6);
        memory.endCall(List.of(SDValue.create(output.reshape(24))));
        assertEquals(new RecyclingSessionMemory.Counts(0, 3), memory.counts());

        memory.startCall();
        INDArray again = memory.allocate(false, DataType.FLOAT, 4, 6);
        assertSame(internal, again, "the call's own array, same shape");
        INDArray reshaped = memory.allocate(false, DataType.FLOAT, 24);
        assertEquals(new RecyclingSessionMemory.Counts(1, 4), memory.counts(), "the returned one is not reused");
        assertArrayEquals(new long[]{24}, reshaped.shape());
        assertNotSame(detached, again);
        memory.endCall(List.of());

        // Both are free again; a call that uses neither leaves them free, the call after drops them.
        memory.startCall();
        memory.endCall(List.of());
        memory.startCall();
        memory.allocate(false, DataType.FLOAT, 4, 6);
        assertEquals(new RecyclingSessionMemory.Counts(1, 5), memory.counts(), "dropped after a call without use");
    }

    @Test
    void aReleasedArrayIsReusedInTheSameCall() {
        RecyclingSessionMemory memory = new RecyclingSessionMemory();
        memory.startCall();
        INDArray first = memory.allocate(false, DataType.DOUBLE, 7);
        memory.release(first);
        assertSame(first, memory.allocate(false, DataType.DOUBLE, 7));
        memory.release(Nd4j.create(DataType.DOUBLE, 7));
        assertEquals(new RecyclingSessionMemory.Counts(1, 1), memory.counts(), "arrays it did not hand out are ignored");
    }
}
