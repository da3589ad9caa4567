package org.ssm4j.experiments.monitor;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.mamba.graph.MambaBlocks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads the step sizes Δ of every Mamba mixer of a graph for one input: the graph's named
 * outputs {@link MambaBlocks#deltaOutput(int)} (and {@link MambaBlocks#backwardDeltaOutput(int)}
 * for bidirectional blocks), which SameDiff computes only when asked for.
 */
public final class SelectivityProbe {

    private SelectivityProbe() {
    }

    /** Whether {@code sd} has Mamba mixers whose Δ can be read. */
    public static boolean applies(SameDiff sd) {
        return sd.hasVariable(MambaBlocks.deltaOutput(0));
    }

    /**
     * Runs the graph on one input and returns each mixer's Δ, forward mixers of layer 0, 1, …
     * each followed by its backward mixer if there is one.
     *
     * @param feeds the placeholders of a batch of one
     * @throws IllegalArgumentException if the graph has no Δ outputs or the batch is not one
     */
    public static List<LayerDelta> measure(SameDiff sd, Map<String, INDArray> feeds) {
        List<String> names = new ArrayList<>();
        for (int layer = 0; sd.hasVariable(MambaBlocks.deltaOutput(layer)); layer++) {
            names.add(MambaBlocks.deltaOutput(layer));
            if (sd.hasVariable(MambaBlocks.backwardDeltaOutput(layer))) {
                names.add(MambaBlocks.backwardDeltaOutput(layer));
            }
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("the graph has no Mamba step-size output '" + MambaBlocks.deltaOutput(0) + "'");
        }
        Map<String, INDArray> out = sd.output(feeds, names.toArray(String[]::new));
        List<LayerDelta> deltas = new ArrayList<>();
        for (int layer = 0; sd.hasVariable(MambaBlocks.deltaOutput(layer)); layer++) {
            deltas.add(delta(out.get(MambaBlocks.deltaOutput(layer)), layer, false));
            INDArray backward = out.get(MambaBlocks.backwardDeltaOutput(layer));
            if (backward != null) {
                deltas.add(delta(backward, layer, true));
            }
        }
        return deltas;
    }

    private static LayerDelta delta(INDArray array, int layer, boolean backward) {
        if (array.rank() != 3 || array.size(0) != 1) {
            throw new IllegalArgumentException("Δ of layer " + layer + " has shape " + Arrays.toString(array.shape())
                    + "; expected (1, length, channels): probe one input at a time");
        }
        int length = (int) array.size(1);
        int channels = (int) array.size(2);
        float[] scanned = array.dup('c').data().asFloat();
        if (!backward) {
            return new LayerDelta(layer, false, length, channels, scanned);
        }
        float[] inOrder = new float[scanned.length];
        for (int t = 0; t < length; t++) {
            System.arraycopy(scanned, (length - 1 - t) * channels, inOrder, t * channels, channels);
        }
        return new LayerDelta(layer, true, length, channels, inOrder);
    }
}
