package org.ssm4j.mamba.graph;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.mamba.MixerKind;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MambaGraphStateInputsTest {

    private static final MambaConfig CONFIG = MambaConfig.builder().vocabSize(11).hiddenSize(16).stateSize(4)
            .numHiddenLayers(2).build();
    private static final INDArray IDS = Nd4j.createFromArray(new long[][]{{1, 4, 2, 9, 0, 3, 3, 5}, {10, 5, 6, 7, 8, 1, 2, 2}});

    private static INDArray positions(INDArray ids, long from, long to) {
        return ids.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to)).dup('c');
    }

    @Test
    void aSequenceContinuesFromTheStatesWhereItsFirstPartStopped() {
        MambaWeights w = MambaInitialization.initialize(CONFIG, DataType.DOUBLE, 3);
        INDArray whole = MambaGraph.build(w).output(IDS, null, MambaGraph.LOGITS).get(MambaGraph.LOGITS);

        MambaGraph carrying = MambaGraph.build(w, true);
        int di = CONFIG.intermediateSize();
        Map<String, INDArray> states = new HashMap<>();
        List<String> outputs = new ArrayList<>(List.of(MambaGraph.LOGITS));
        for (int i = 0; i < CONFIG.numHiddenLayers(); i++) {
            states.put(MambaGraph.convStateInput(i), Nd4j.zeros(DataType.DOUBLE, 2, di, CONFIG.convKernel() - 1));
            states.put(MambaGraph.ssmStateInput(i), Nd4j.zeros(DataType.DOUBLE, 2, di, CONFIG.stateSize()));
            outputs.add(MambaGraph.convStateOutput(i));
            outputs.add(MambaGraph.ssmStateOutput(i));
        }
        Map<String, INDArray> first = new HashMap<>(states);
        first.put(MambaGraph.INPUT_IDS, positions(IDS, 0, 5));
        Map<String, INDArray> head = carrying.sameDiff().output(first, outputs);

        Map<String, INDArray> second = new HashMap<>();
        second.put(MambaGraph.INPUT_IDS, positions(IDS, 5, 8));
        for (int i = 0; i < CONFIG.numHiddenLayers(); i++) {
            second.put(MambaGraph.convStateInput(i), head.get(MambaGraph.convStateOutput(i)));
            second.put(MambaGraph.ssmStateInput(i), head.get(MambaGraph.ssmStateOutput(i)));
        }
        INDArray tail = carrying.sameDiff().output(second, MambaGraph.LOGITS).get(MambaGraph.LOGITS);

        INDArray joined = Nd4j.concat(1, head.get(MambaGraph.LOGITS), tail);
        assertEquals(0.0, joined.sub(whole).amaxNumber().doubleValue(), 1e-12);
        assertTrue(tail.sub(MambaGraph.build(w).output(positions(IDS, 5, 8), null, MambaGraph.LOGITS)
                .get(MambaGraph.LOGITS)).amaxNumber().doubleValue() > 1e-6, "the states change the continuation");
    }

    @Test
    void refusesStateInputsForTimeInvariantMixers() {
        MambaWeights w = MambaInitialization.initialize(CONFIG, MixerKind.TIME_INVARIANT, DataType.DOUBLE, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> MambaGraph.build(w, true));
        assertTrue(e.getMessage().contains("recurrent state inputs need selective mixers"), e.getMessage());
    }
}
