package org.ssm4j.experiments.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.experiments.config.EarlyStopConfig;
import org.ssm4j.experiments.eval.EvalResult;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptimisationPiecesTest {

    @Test
    void clippingScalesAllGradientsByOneFactorToTheMaximumNorm() {
        INDArray a = Nd4j.createFromArray(3.0, 0.0);
        INDArray b = Nd4j.createFromArray(new double[][]{{0.0, 4.0}, {0.0, 0.0}});
        double norm = GradientClipping.clipGlobalNorm(List.of(a, b), 1.0);
        assertEquals(5.0, norm, 1e-12, "global norm √(3² + 4²)");
        double scale = 1.0 / (5.0 + 1e-6);
        assertEquals(3.0 * scale, a.getDouble(0), 1e-15);
        assertEquals(4.0 * scale, b.getDouble(0, 1), 1e-15);
        assertEquals(1.0, GradientClipping.globalNorm(List.of(a, b)), 1e-6);
    }

    @Test
    void clippingLeavesSmallGradientsAloneAndZeroTurnsItOff() {
        INDArray a = Nd4j.createFromArray(0.3, 0.4);
        assertEquals(0.5, GradientClipping.clipGlobalNorm(List.of(a), 1.0), 1e-12);
        assertEquals(Nd4j.createFromArray(0.3, 0.4), a);
        INDArray big = Nd4j.createFromArray(30.0, 40.0);
        assertEquals(50.0, GradientClipping.clipGlobalNorm(List.of(big), 0.0), 1e-12);
        assertEquals(Nd4j.createFromArray(30.0, 40.0), big);
        assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipGlobalNorm(List.of(big), -1));
    }

    @Test
    void scheduleWarmsUpLinearlyThenFollowsTheCosine() {
        WarmupCosineSchedule s = new WarmupCosineSchedule(1e-3, 1e-4, 10, 110);
        assertEquals(1e-4, s.lr(0), 1e-18, "first step: peak / warmup");
        assertEquals(5e-4, s.lr(4), 1e-18);
        assertEquals(1e-3, s.lr(9), 1e-18, "last warm-up step reaches the peak");
        assertEquals(1e-3, s.lr(10), 1e-18, "decay starts at the peak");
        assertEquals(1e-4 + 0.9e-3 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), s.lr(35), 1e-18);
        assertEquals(5.5e-4, s.lr(60), 1e-18, "half way down: mean of peak and minimum");
        assertEquals(1e-4, s.lr(110), 1e-18);
        assertEquals(1e-4, s.lr(500), 1e-18, "stays at the minimum past the end");
        for (int step = 10; step < 110; step++) {
            assertTrue(s.lr(step + 1) <= s.lr(step), "decreasing after warm-up at " + step);
        }
        WarmupCosineSchedule noWarmup = new WarmupCosineSchedule(2.0, 0.0, 0, 4);
        assertEquals(2.0, noWarmup.lr(0), 1e-15);
        assertEquals(1.0, noWarmup.lr(2), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new WarmupCosineSchedule(1, 2, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> s.lr(-1));
    }

    @Test
    void earlyStoppingCountsEvaluationsWithoutImprovement() {
        EarlyStopping stopping = new EarlyStopping(new EarlyStopConfig(2, 0.01, 0));
        assertFalse(stopping.shouldStop(eval(1.0, 0.1)));
        assertFalse(stopping.shouldStop(eval(0.995, 0.1)), "within min_delta: no improvement, 1 of 2");
        assertFalse(stopping.shouldStop(eval(0.9, 0.2)), "improved: counter reset");
        assertEquals(new EarlyStopping.State(0.9, 0), stopping.state());
        assertFalse(stopping.shouldStop(eval(0.95, 0.2)));
        assertTrue(stopping.shouldStop(eval(0.92, 0.2)));
        assertTrue(stopping.reason().contains("2 evaluations"), stopping.reason());
    }

    @Test
    void earlyStoppingStopsAtTheTargetAccuracyAndIsOffByDefault() {
        EarlyStopping target = new EarlyStopping(new EarlyStopConfig(0, 0, 0.99));
        assertFalse(target.shouldStop(eval(0.5, 0.98)));
        assertTrue(target.shouldStop(eval(0.6, 0.99)));
        EarlyStopping off = new EarlyStopping(EarlyStopConfig.OFF);
        for (int i = 0; i < 100; i++) {
            assertFalse(off.shouldStop(eval(1.0 + i, 1.0)));
        }
    }

    private static EvalResult eval(double loss, double accuracy) {
        return new EvalResult(16, 8, loss, accuracy, 1000, null);
    }
}
