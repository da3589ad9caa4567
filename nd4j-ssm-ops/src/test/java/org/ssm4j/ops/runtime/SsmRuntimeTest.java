package org.ssm4j.ops.runtime;

import org.junit.jupiter.api.Test;
import org.nd4j.imports.converters.ImportClassMapping;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.ops.conv.CausalConv1d;
import org.ssm4j.ops.conv.CausalConv1dConfig;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SsmRuntimeTest {

    @Test
    void nd4jStartupInstallsTheExecutionerAndRegistersEveryOp() {
        assertInstanceOf(SsmOpExecutioner.class, Nd4j.getExecutioner());
        assertTrue(SsmRuntime.isInstalled());
        for (Class<? extends JavaCustomOp> opClass : SsmOpRegistry.opClasses()) {
            boolean registered = ImportClassMapping.getOpNameMapping().values().stream()
                    .anyMatch(op -> op.getClass() == opClass);
            assertTrue(registered, opClass + " is not registered");
        }
        assertSame(CausalConv1d.class, ImportClassMapping.getOpNameMapping().get(CausalConv1d.OP_NAME).getClass());
    }

    @Test
    void ensureInstalledIsIdempotentFromManyThreads() {
        var executioner = Nd4j.getExecutioner();
        CompletableFuture.allOf(IntStream.range(0, 8)
                .mapToObj(i -> CompletableFuture.runAsync(SsmRuntime::ensureInstalled))
                .toArray(CompletableFuture[]::new)).join();
        assertSame(executioner, Nd4j.getExecutioner());
    }

    @Test
    void otherOpsStillRunInLibnd4j() {
        INDArray a = Nd4j.linspace(1, 6, 6, DataType.DOUBLE).reshape(2, 3);
        INDArray b = Nd4j.linspace(1, 6, 6, DataType.DOUBLE).reshape(3, 2);
        INDArray product = Nd4j.exec(new Mmul(a, b, null, null))[0];
        assertEquals(Nd4j.createFromArray(new double[][]{{22, 28}, {49, 64}}), product);
        assertEquals(21.0, a.sumNumber().doubleValue());
    }

    @Test
    void javaOpsGiveTheirOwnOutputShapes() {
        CausalConv1d op = new CausalConv1d(Nd4j.rand(DataType.FLOAT, 2, 7, 3), Nd4j.rand(DataType.FLOAT, 3, 4), null,
                null, CausalConv1dConfig.defaults());
        List<LongShapeDescriptor> shapes = Nd4j.getExecutioner().calculateOutputShape(op);
        assertEquals(2, shapes.size());
        assertArrayEquals(new long[]{2, 7, 3}, shapes.get(0).getShape());
        assertArrayEquals(new long[]{2, 3, 3}, shapes.get(1).getShape());
        assertEquals(DataType.FLOAT, shapes.get(1).dataType());
    }
}
