package org.ssm4j.experiments.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AdamWTest {

    private static final AdamW.Settings SETTINGS = new AdamW.Settings(0.9, 0.95, 1e-8, 0.1);

    /** Three steps on two parameters, one without decay, against the formula written out in doubles. */
    @Test
    void matchesTheUpdateWrittenOutByHand() {
        // First step by hand for w[0]: decay 0.5·(1 − 0.001) = 0.4995; m̂ = g, v̂ = g², so the step
        // is lr·g/(|g| + ε) = 0.01·(1 − 5e-8): w[0] = 0.4895000005.
        Map<String, INDArray> one = Map.of("w", Nd4j.createFromArray(0.5));
        new AdamW(one, Set.of(), SETTINGS).step(one, Map.of("w", Nd4j.createFromArray(0.2)), 0.01);
        assertEquals(0.4995 - 0.01 * 0.2 / (0.2 + 1e-8), one.get("w").getDouble(0), 1e-16);

        double[] w = {0.5, -1.25, 2.0};
        double[] b = {0.1, -0.3};
        double[][] gw = {{0.2, -0.1, 0.05}, {-0.4, 0.3, 0.0}, {1.5, -2.0, 0.25}};
        double[][] gb = {{1.0, -1.0}, {0.5, 0.5}, {-0.25, 2.0}};
        double[] lrs = {0.01, 0.02, 0.005};

        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("w", Nd4j.createFromArray(w.clone()));
        params.put("b", Nd4j.createFromArray(b.clone()));
        AdamW adam = new AdamW(params, Set.of("b"), SETTINGS);

        double[] mw = new double[3], vw = new double[3], mb = new double[2], vb = new double[2];
        for (int t = 1; t <= 3; t++) {
            Map<String, INDArray> grads = Map.of("w", Nd4j.createFromArray(gw[t - 1].clone()), "b", Nd4j.createFromArray(gb[t - 1].clone()));
            adam.step(params, grads, lrs[t - 1]);
            reference(w, gw[t - 1], mw, vw, lrs[t - 1], t, true);
            reference(b, gb[t - 1], mb, vb, lrs[t - 1], t, false);
            for (int i = 0; i < 3; i++) {
                assertEquals(w[i], params.get("w").getDouble(i), 1e-15, "w[" + i + "] after step " + t);
                assertEquals(mw[i], adam.firstMoments().get("w").getDouble(i), 1e-15);
                assertEquals(vw[i], adam.secondMoments().get("w").getDouble(i), 1e-15);
            }
            for (int i = 0; i < 2; i++) {
                assertEquals(b[i], params.get("b").getDouble(i), 1e-15, "b[" + i + "] after step " + t);
            }
        }
        assertEquals(3, adam.steps());
    }

    private static void reference(double[] p, double[] g, double[] m, double[] v, double lr, int t, boolean decay) {
        for (int i = 0; i < p.length; i++) {
            if (decay) {
                p[i] *= 1 - lr * SETTINGS.weightDecay();
            }
            m[i] = SETTINGS.beta1() * m[i] + (1 - SETTINGS.beta1()) * g[i];
            v[i] = SETTINGS.beta2() * v[i] + (1 - SETTINGS.beta2()) * g[i] * g[i];
            double mHat = m[i] / (1 - Math.pow(SETTINGS.beta1(), t));
            double vHat = v[i] / (1 - Math.pow(SETTINGS.beta2(), t));
            p[i] -= lr * mHat / (Math.sqrt(vHat) + SETTINGS.eps());
        }
    }

    @Test
    void floatParametersAgreeWithTheDoubleComputationToFloatPrecision() {
        double[] start = {0.3, -0.7, 1.1, 0.0};
        double[] g = {0.01, -0.2, 3.0, 0.5};
        Map<String, INDArray> doubles = Map.of("p", Nd4j.createFromArray(start.clone()));
        Map<String, INDArray> floats = Map.of("p", Nd4j.createFromArray(start.clone()).castTo(DataType.FLOAT));
        AdamW a = new AdamW(doubles, Set.of(), SETTINGS);
        AdamW f = new AdamW(floats, Set.of(), SETTINGS);
        for (int t = 0; t < 5; t++) {
            a.step(doubles, Map.of("p", Nd4j.createFromArray(g.clone())), 0.01);
            f.step(floats, Map.of("p", Nd4j.createFromArray(g.clone()).castTo(DataType.FLOAT)), 0.01);
        }
        for (int i = 0; i < start.length; i++) {
            assertEquals(doubles.get("p").getDouble(i), floats.get("p").getDouble(i), 1e-6);
        }
    }

    @Test
    void restoredStateContinuesExactly() {
        Map<String, INDArray> p1 = Map.of("p", Nd4j.createFromArray(1.0f, 2.0f));
        Map<String, INDArray> p2 = Map.of("p", Nd4j.createFromArray(1.0f, 2.0f));
        AdamW first = new AdamW(p1, Set.of(), SETTINGS);
        first.step(p1, Map.of("p", Nd4j.createFromArray(0.5f, -0.25f)), 0.1);
        AdamW second = new AdamW(p2, Set.of(), SETTINGS);
        p2.get("p").assign(p1.get("p"));
        second.restore(first.steps(), first.firstMoments(), first.secondMoments());
        first.step(p1, Map.of("p", Nd4j.createFromArray(0.125f, 0.75f)), 0.1);
        second.step(p2, Map.of("p", Nd4j.createFromArray(0.125f, 0.75f)), 0.1);
        assertEquals(p1.get("p"), p2.get("p"));
    }

    @Test
    void rejectsUnknownNoDecayNamesAndMissingGradients() {
        Map<String, INDArray> p = Map.of("p", Nd4j.createFromArray(1.0f));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(p, Set.of("q"), SETTINGS));
        AdamW adam = new AdamW(p, Set.of(), SETTINGS);
        assertThrows(IllegalArgumentException.class, () -> adam.step(p, Map.of(), 0.1));
    }
}
