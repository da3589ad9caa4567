package org.ssm4j.ops.embedding;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenEmbeddingTest {

    private static final long[][] IDS = {{3, 1, 3, 0}, {3, 4, 1, 3}};

    @Test
    void looksUpRowsEagerly() {
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray table = Nd4j.rand(DataType.DOUBLE, 5, 3).castTo(type);
            INDArray out = TokenEmbedding.lookup(table, Nd4j.createFromArray(IDS));
            assertArrayEquals(new long[]{2, 4, 3}, out.shape());
            assertEquals(type, out.dataType());
            for (int b = 0; b < 2; b++) {
                for (int t = 0; t < 4; t++) {
                    assertEquals(table.getRow(IDS[b][t]), out.get(point(b), point(t)));
                }
            }
            INDArray fromView = TokenEmbedding.lookup(table.transpose().dup().transpose(), Nd4j.createFromArray(3, 0));
            assertEquals(table.getRow(3), fromView.getRow(0));
        }
    }

    @Test
    void gradientAddsRepeatedIds() {
        SameDiff sd = SameDiff.create();
        INDArray tableValues = Nd4j.rand(DataType.DOUBLE, 5, 3);
        SDVariable table = sd.var("table", tableValues);
        SDVariable ids = sd.placeHolder("ids", DataType.INT64, -1, -1);
        SDVariable out = TokenEmbedding.lookup(sd, "emb", table, ids);
        INDArray weights = Nd4j.rand(DataType.DOUBLE, 2, 4, 3);
        SDVariable loss = out.mul(sd.constant(weights)).sum();
        loss.markAsLoss();
        Map<String, INDArray> grads = sd.calculateGradients(Map.of("ids", Nd4j.createFromArray(IDS)), "table");
        INDArray expected = Nd4j.zeros(DataType.DOUBLE, 5, 3);
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 4; t++) {
                expected.getRow(IDS[b][t]).addi(weights.get(point(b), point(t)));
            }
        }
        assertTrue(expected.equalsWithEps(grads.get("table"), 1e-15), grads.get("table") + " vs " + expected);
        assertEquals(0.0, grads.get("table").getRow(2).norm1Number().doubleValue(), 0.0, "row 2 is never used");
    }

    @Test
    void rejectsIdsOutsideTheTableAndNonIntegerIds() {
        INDArray table = Nd4j.rand(DataType.FLOAT, 5, 3);
        var e = assertThrows(IllegalArgumentException.class,
                () -> TokenEmbedding.lookup(table, Nd4j.createFromArray(new long[]{1, 5})));
        assertTrue(e.getMessage().contains("id 5 at flat position 1 of ids [2] is outside the table's rows [0, 5)"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TokenEmbedding.lookup(table, Nd4j.createFromArray(1.0f, 2.0f)));
        assertTrue(e.getMessage().contains("ids are FLOAT; expected an integer type"), e.getMessage());
    }
}
