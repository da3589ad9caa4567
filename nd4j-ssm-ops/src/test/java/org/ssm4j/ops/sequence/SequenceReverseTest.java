package org.ssm4j.ops.sequence;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

class SequenceReverseTest {

    /** y[b, t] == x[b, length-1-t] for every batch row and position. */
    private static void assertReversed(INDArray x, INDArray y) {
        assertArrayEquals(x.shape(), y.shape());
        assertEquals(x.dataType(), y.dataType());
        long length = x.size(1);
        for (long b = 0; b < x.size(0); b++) {
            for (long t = 0; t < length; t++) {
                assertEquals(x.get(point(b), point(length - 1 - t)), y.get(point(b), point(t)),
                        "batch " + b + ", position " + t);
            }
        }
    }

    @Test
    void reversesPositionsOfAnyTypeAndRank() {
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE, DataType.BFLOAT16, DataType.INT64}) {
            INDArray x = Nd4j.linspace(1, 2 * 5 * 3, 2 * 5 * 3, DataType.DOUBLE).reshape(2, 5, 3).castTo(type);
            assertReversed(x, SequenceReverse.reverse(x));
        }
        INDArray rank2 = Nd4j.createFromArray(new float[][]{{1, 2, 3}, {4, 5, 6}});
        assertEquals(Nd4j.createFromArray(new float[][]{{3, 2, 1}, {6, 5, 4}}), SequenceReverse.reverse(rank2));
        INDArray rank4 = Nd4j.rand(DataType.FLOAT, 2, 4, 3, 2);
        assertReversed(rank4, SequenceReverse.reverse(rank4));
    }

    @Test
    void readsStridedViews() {
        INDArray channelsFirst = Nd4j.rand(DataType.FLOAT, 2, 3, 6);
        INDArray view = channelsFirst.permute(0, 2, 1);
        assertReversed(view.dup('c'), SequenceReverse.reverse(view));
        INDArray everyOther = Nd4j.rand(DataType.FLOAT, 2, 8, 3).get(all(), all(), point(1)).reshape(2, 8);
        assertReversed(everyOther.dup('c'), SequenceReverse.reverse(everyOther));
    }

    @Test
    void gradientIsTheReversedOutputGradient() {
        SameDiff sd = SameDiff.create();
        INDArray xValues = Nd4j.rand(DataType.DOUBLE, 2, 5, 3);
        INDArray weights = Nd4j.rand(DataType.DOUBLE, 2, 5, 3);
        SDVariable x = sd.var("x", xValues);
        SDVariable y = SequenceReverse.reverse(sd, "y", x);
        SDVariable loss = y.mul(sd.constant(weights)).sum();
        loss.markAsLoss();
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "x");
        assertReversed(weights, grads.get("x"));
    }

    @Test
    void survivesSavingAndLoading(@TempDir Path dir) throws Exception {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, -1, 3);
        SequenceReverse.reverse(sd, "y", x);
        File file = dir.resolve("reverse.sd").toFile();
        sd.save(file, false);
        SameDiff loaded = SameDiff.load(file, false);
        INDArray input = Nd4j.rand(DataType.FLOAT, 2, 7, 3);
        assertReversed(input, loaded.output(Map.of("x", input), "y").get("y"));
    }

    @Test
    void rejectsRankBelowTwo() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> SequenceReverse.reverse(Nd4j.createFromArray(1f, 2f, 3f)));
        assertTrue(e.getMessage().contains("sequence_reverse: x has shape [3]; expected (batch, length, ...) of rank at least 2"),
                e.getMessage());
    }
}
