package org.ssm4j.mamba.graph;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.mamba.MixerKind;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Initial weights for training a Mamba LM from scratch, as the Mamba paper's reference code
 * ({@code mamba_simple.py}) and Hugging Face's {@code MambaPreTrainedModel._init_weights}
 * do. With {@code d_inner} channels, state size N, delta rank R and L layers:
 *
 * <ul>
 *   <li>{@code A_log[c, n] = log(n + 1)}: S4D-real, A = -(1..N) for every channel;
 *       {@code D = 1}</li>
 *   <li>{@code dt_proj.bias = softplus⁻¹(dt)} with dt drawn log-uniformly from
 *       [time_step_min, time_step_max] and clamped to at least time_step_floor, so that
 *       softplus(bias) starts at dt; {@code dt_proj.weight} uniform in ±R^-½·time_step_scale
 *       (or that constant with the "constant" scheme)</li>
 *   <li>{@code out_proj.weight} uniform in ±1/sqrt(d_inner) (PyTorch's Kaiming-uniform with
 *       a = √5), divided by sqrt(L) when rescale_prenorm_residual;
 *       {@code conv1d.weight} uniform in ±1/sqrt(conv_kernel) (the same rule)</li>
 *   <li>embeddings, {@code in_proj.weight}, {@code x_proj.weight} and an untied LM head
 *       normal with standard deviation initializer_range</li>
 *   <li>every bias except dt_proj's zero; every RMSNorm weight one</li>
 * </ul>
 *
 * <p>A {@link MixerKind#TIME_INVARIANT} mixer has no x_proj and dt_proj; its per-channel
 * parameters start as S4D-real's:
 *
 * <ul>
 *   <li>{@code dt_bias} as {@code dt_proj.bias} above, so Δ = softplus(dt_bias) starts
 *       log-uniform in [time_step_min, time_step_max], one time scale per channel as in
 *       Mamba</li>
 *   <li>{@code B = 1} (S4D's choice): with A = -(1..N) the N states of a channel are then
 *       exponential moving averages of its input at N different rates</li>
 *   <li>{@code C} normal with standard deviation 1/sqrt(N), so that the readout
 *       {@code Σ_n C[c, n] h[c, n]} starts at about the scale of one state whatever N is
 *       (S4D draws C from N(0, 1) over N/2 complex modes; with real modes the 1/sqrt(N)
 *       keeps the initial SSM output from growing with the state size, next to D = 1)</li>
 * </ul>
 *
 * <p>The draws come from a {@link SplittableRandom} seeded with the given seed, so the same
 * config and seed give the same weights on every machine, independent of ND4J's generator.
 */
public final class MambaInitialization {

    private MambaInitialization() {
    }

    /**
     * Fresh weights for a Hugging Face Mamba ({@link MixerKind#SELECTIVE}) of this config.
     *
     * @param dataType FLOAT or DOUBLE
     * @param seed     the random seed
     */
    public static MambaWeights initialize(MambaConfig config, DataType dataType, long seed) {
        return initialize(config, MixerKind.SELECTIVE, dataType, seed);
    }

    /**
     * Fresh weights for a model of this config whose mixers are of the given kind.
     *
     * @param dataType FLOAT or DOUBLE
     * @param seed     the random seed
     */
    public static MambaWeights initialize(MambaConfig config, MixerKind mixer, DataType dataType, long seed) {
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("model data type must be FLOAT or DOUBLE, got " + dataType);
        }
        SplittableRandom random = new SplittableRandom(seed);
        MambaParameters params = MambaParameters.of(config, mixer);
        int di = config.intermediateSize();
        double std = config.initializerRange();
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (MambaParameters.Spec spec : params.specs().values()) {
            out.put(spec.name(), Nd4j.create(DataType.DOUBLE, spec.shape(), 'c'));
        }
        normal(out.get(MambaParameters.EMBEDDINGS), std, random);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            MambaParameters.Layer l = MambaParameters.layer(i);
            out.get(l.norm()).assign(1);
            normal(out.get(l.inProjWeight()), std, random);
            uniform(out.get(l.convWeight()), 1 / Math.sqrt(config.convKernel()), random);
            if (mixer == MixerKind.SELECTIVE) {
                normal(out.get(l.xProjWeight()), std, random);
                double dtStd = Math.pow(config.timeStepRank(), -0.5) * config.timeStepScale();
                if (config.timeStepInitScheme().equals("constant")) {
                    out.get(l.dtProjWeight()).assign(dtStd);
                } else {
                    uniform(out.get(l.dtProjWeight()), dtStd, random);
                }
            } else {
                out.get(l.b()).assign(1);
                normal(out.get(l.c()), 1 / Math.sqrt(config.stateSize()), random);
            }
            INDArray dtBias = out.get(mixer == MixerKind.SELECTIVE ? l.dtProjBias() : l.dtBias());
            double logMin = Math.log(config.timeStepMin());
            double logMax = Math.log(config.timeStepMax());
            for (int c = 0; c < di; c++) {
                double dt = Math.max(Math.exp(random.nextDouble() * (logMax - logMin) + logMin), config.timeStepFloor());
                dtBias.putScalar(c, inverseSoftplus(dt));
            }
            INDArray aLog = out.get(l.aLog());
            for (int n = 0; n < config.stateSize(); n++) {
                aLog.getColumn(n).assign(Math.log(n + 1));
            }
            out.get(l.d()).assign(1);
            INDArray outProj = out.get(l.outProjWeight());
            uniform(outProj, 1 / Math.sqrt(di), random);
            if (config.rescalePrenormResidual()) {
                outProj.divi(Math.sqrt(config.numHiddenLayers()));
            }
        }
        out.get(MambaParameters.NORM_F).assign(1);
        if (!config.tieWordEmbeddings()) {
            normal(out.get(MambaParameters.LM_HEAD), std, random);
        }
        Map<String, INDArray> typed = new LinkedHashMap<>();
        out.forEach((name, a) -> typed.put(name, a.castTo(dataType)));
        return new MambaWeights(config, mixer, typed);
    }

    /** {@code log(exp(y) - 1)}, computed stably as {@code y + log(-expm1(-y))}: softplus of it is y. */
    static double inverseSoftplus(double y) {
        return y + Math.log(-Math.expm1(-y));
    }

    private static void normal(INDArray a, double std, SplittableRandom random) {
        double[] v = new double[(int) a.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian() * std;
        }
        a.assign(Nd4j.create(v, a.shape(), 'c'));
    }

    private static void uniform(INDArray a, double bound, SplittableRandom random) {
        double[] v = new double[(int) a.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (2 * random.nextDouble() - 1) * bound;
        }
        a.assign(Nd4j.create(v, a.shape(), 'c'));
    }
}
