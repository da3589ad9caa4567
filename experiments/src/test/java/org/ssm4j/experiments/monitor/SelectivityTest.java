package org.ssm4j.experiments.monitor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.mamba.graph.MambaBlocks;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SelectivityTest {

    @TempDir
    Path dir;

    @Test
    void statisticsArePercentilesOfTheValues() {
        LayerDelta.Stats s = LayerDelta.Stats.of(new float[]{5, 1, 4, 2, 3});
        assertEquals(3.0, s.mean(), 1e-12);
        assertEquals(Math.sqrt(2.0), s.std(), 1e-12);
        assertEquals(3.0, s.median(), 1e-12);
        assertEquals(1.4, s.p10(), 1e-6);
        assertEquals(2.0, s.p25(), 1e-12);
        assertEquals(4.0, s.p75(), 1e-12);
        assertEquals(4.6, s.p90(), 1e-6);
    }

    @Test
    void perPositionIsTheGeometricMeanOverChannelsAndRelativeDividesByTheTypicalRealPosition() {
        // 3 positions x 2 channels; the last position is padding
        LayerDelta d = new LayerDelta(0, false, 3, 2, new float[]{0.01f, 1f, 0.04f, 0.25f, 7f, 7f});
        assertArrayEquals(new double[]{0.1, 0.1, 7}, d.perPosition(), 1e-6);
        assertArrayEquals(new double[]{1, 1, 70}, d.relativePerPosition(new int[]{0, 1}, 2), 1e-5);
        assertThrows(IllegalArgumentException.class, () -> d.relativePerPosition(new int[]{0, 1}, 0));
        // 2 real positions x 3 channels, then a padded position
        LayerDelta e = new LayerDelta(0, false, 3, 3, new float[]{1, 1, 1, 1, 2, 1, 1, 1, 50});
        assertArrayEquals(new int[]{1}, e.mostSelectiveChannels(1, 2), "channel 1 doubles; channel 2 varies only in padding");
        assertArrayEquals(new double[]{1, 2, 1}, e.perPosition(new int[]{1}), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> e.mostSelectiveChannels(4, 2));
        assertEquals("layer 1", d.label());
        assertEquals("layer 2, backward", new LayerDelta(1, true, 1, 1, new float[]{1}).label());
    }

    @Test
    void probeReadsEveryMixersDeltaAndPutsTheBackwardScanBackInInputOrder() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 1, 3, 2);
        sd.identity(MambaBlocks.deltaOutput(0), x);
        sd.identity(MambaBlocks.backwardDeltaOutput(0), x.mul(10));
        sd.identity(MambaBlocks.deltaOutput(1), x.add(1));
        assertTrue(SelectivityProbe.applies(sd));
        INDArray input = Nd4j.createFromArray(new float[][][]{{{1, 2}, {3, 4}, {5, 6}}});
        List<LayerDelta> deltas = SelectivityProbe.measure(sd, Map.of("x", input));
        assertEquals(3, deltas.size());
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, deltas.get(0).values());
        assertTrue(deltas.get(1).backward());
        assertArrayEquals(new float[]{50, 60, 30, 40, 10, 20}, deltas.get(1).values(), "scan order reversed back");
        assertEquals(1, deltas.get(2).layer());
        assertFalse(SelectivityProbe.applies(SameDiff.create()));
        assertThrows(IllegalArgumentException.class, () -> SelectivityProbe.measure(SameDiff.create(), Map.of()));
    }

    @Test
    void colourScaleIsLogarithmicViridisWithReadableTicks() {
        ColourScale scale = new ColourScale(0.001, 0.1);
        assertEquals(0.0, scale.position(0.001), 1e-12);
        assertEquals(0.5, scale.position(0.01), 1e-12);
        assertEquals(1.0, scale.position(5), 1e-12);
        assertEquals(new Color(0x440154), scale.colour(1e-9));
        assertEquals(new Color(0xfde725), scale.colour(0.1));
        assertEquals(List.of(0.001, 0.01, 0.1), scale.ticks());
        List<Double> narrow = new ColourScale(0.8, 1.25).ticks();
        assertEquals(5, narrow.size());
        assertTrue(narrow.getFirst() > 0.8 && narrow.getLast() < 1.25);
        ColourScale flat = ColourScale.spanning(new double[]{2, 2, 2});
        assertTrue(flat.low() < 2 && flat.high() > 2);
        assertEquals(0.8, ColourScale.spanning(new double[]{0.8, 1.25}).low(), 1e-12, "a 1.5x range is kept as it is");
        assertThrows(IllegalArgumentException.class, () -> new ColourScale(0, 1));
        assertEquals("0.02", HeatMapFigure.format(0.02));
        assertEquals("100", HeatMapFigure.format(100));
        assertEquals("1.2", HeatMapFigure.format(1.19));
    }

    @Test
    void heatMapFigureDrawsEachPanelInTheScalesColours() throws IOException {
        Path png = dir.resolve("figure.png");
        ColourScale scale = new ColourScale(0.1, 10);
        HeatMapFigure.write(png, "title", "subtitle", List.of(
                new HeatMapFigure.Picture("input", 2, 2, new double[]{0, 1, 1, 0}, 10),
                new HeatMapFigure.Cells("cells", 1, 2, new double[]{0.1, 10}, new String[]{"a", ""}, 30, 20)), 2, scale, "Δ");
        BufferedImage image = ImageIO.read(png.toFile());
        assertTrue(image.getWidth() >= 480 && image.getHeight() >= 260);
        // the second cell (value 10: brightest) sits right of the 20-pixel picture and a gap
        int cellsX = 24 + 20 + 22;
        int cellsY = 24 + 64 + 20;
        assertEquals(new Color(0xfde725).getRGB(), image.getRGB(cellsX + 30 + 25, cellsY + 3));
        assertEquals(Color.WHITE.getRGB(), image.getRGB(24 + 15, cellsY + 3), "a white pixel of the input picture");
    }
}
