package org.ssm4j.experiments.classify;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.experiments.config.ModelConfig;
import org.ssm4j.experiments.models.GraphLayers;
import org.ssm4j.experiments.models.ParameterOwner;
import org.ssm4j.experiments.models.SequenceBackbone;
import org.ssm4j.experiments.models.SequenceBackbones;
import org.ssm4j.experiments.models.TrainableModel;
import org.ssm4j.experiments.tasks.SplitMix64;
import org.ssm4j.experiments.tasks.TaskStream;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A sequence classifier over continuous inputs: a linear input projection of each position's
 * {@code channels} values to the model width (for one channel, a pixel or a sample; for
 * several, a patch or a frame: a strided patch projection), the blocks of the configured
 * model ({@link SequenceBackbone}, attending over the whole sequence where the model can),
 * pooling over the positions ({@link Pooling}) and a linear head to class logits, trained
 * with the cross-entropy over classes.
 *
 * <p>Parameters: {@code input_proj.weight (channels, d)} and {@code input_proj.bias (d)},
 * the backbone's, {@code head.weight (d, classes)} and {@code head.bias (classes)}.
 * Initialisation from the seed's initialisation stream in that order: the input projection
 * uniform in ±1/√channels (PyTorch's {@code nn.Linear} default), the head N(0, 0.02²),
 * biases 0. Biases take no weight decay.
 */
public final class SequenceClassifier extends ParameterOwner implements TrainableModel {

    private static final double HEAD_STD = 0.02;

    private final ModelConfig config;
    private final SequenceBackbone backbone;
    private final int channels;
    private final int classes;
    private final DataType dtype;

    /**
     * Builds and initialises a classifier.
     *
     * @param config   the blocks' model and sizes
     * @param channels values per input position
     * @param classes  number of classes
     * @param seed     initialisation seed
     * @param dtype    parameter and activation type
     */
    public SequenceClassifier(ModelConfig config, int channels, int classes, long seed, DataType dtype) {
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be >= 1, got " + channels);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        }
        this.config = config;
        this.channels = channels;
        this.classes = classes;
        this.dtype = dtype;
        SplitMix64 rng = SplitMix64.forStream(seed, TaskStream.Streams.INIT);
        int d = config.dModel();
        double bound = 1 / Math.sqrt(channels);
        double[] inProj = new double[channels * d];
        for (int i = 0; i < inProj.length; i++) {
            inProj[i] = (2 * rng.nextDouble() - 1) * bound;
        }
        addParameter("input_proj.weight", Nd4j.create(inProj, new long[]{channels, d}, DataType.DOUBLE).castTo(dtype), true);
        addBias("input_proj.bias", d);
        backbone = SequenceBackbones.create(config, rng, dtype);
        if (backbone.width() != d) {
            throw new IllegalStateException("backbone width " + backbone.width() + " differs from d_model " + d);
        }
        for (String name : backbone.parameters().keySet()) {
            if (name.startsWith("input_proj.") || name.startsWith("head.")) {
                throw new IllegalStateException("backbone parameter '" + name + "' clashes with the classifier's own");
            }
        }
        addParameters(backbone.parameters(), backbone.noDecayParameterNames());
        double[] head = new double[d * classes];
        for (int i = 0; i < head.length; i++) {
            head[i] = HEAD_STD * rng.nextGaussian();
        }
        addParameter("head.weight", Nd4j.create(head, new long[]{d, classes}, DataType.DOUBLE).castTo(dtype), true);
        addBias("head.bias", classes);
    }

    private void addBias(String name, int width) {
        addParameter(name, Nd4j.zeros(dtype, width), false);
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    /** Values per input position. */
    public int channels() {
        return channels;
    }

    /** Number of classes. */
    public int classes() {
        return classes;
    }

    /** The blocks between input projection and pooling. */
    public SequenceBackbone backbone() {
        return backbone;
    }

    /**
     * Builds the graph with its loss for {@code batch} sequences of {@code length} positions.
     *
     * @param padded whether inputs may be padded: then the graph takes the padding mask and
     *               the blocks ignore padded positions
     */
    public ClassifierGraph buildGraph(int batch, int length, boolean padded) {
        if (batch <= 0 || length <= 0) {
            throw new IllegalArgumentException("batch and length must be positive, got " + batch + " and " + length);
        }
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> w = new LinkedHashMap<>();
        parameters().forEach((name, array) -> w.put(name, sd.var(name, array)));
        int d = config.dModel();
        SDVariable features = sd.placeHolder("features", dtype, batch, length, channels);
        SDVariable poolWeights = sd.placeHolder("pool_weights", dtype, batch, length);
        @Nullable SDVariable mask = padded ? sd.placeHolder("mask", dtype, batch, length) : null;
        SDVariable targets = sd.placeHolder("class_targets", dtype, batch, classes);

        SDVariable x = features.reshape((long) batch * length, channels).mmul(w.get("input_proj.weight"))
                .add(w.get("input_proj.bias"));
        x = backbone.apply(sd, w, x, batch, length, false, mask);
        SDVariable pooled = x.reshape(batch, length, d).mul(poolWeights.reshape(batch, length, 1)).sum(1);
        SDVariable logits = pooled.mmul(w.get("head.weight")).add(w.get("head.bias")).rename("class_logits");
        SDVariable loss = GraphLayers.logSoftmax(sd, logits).mul(targets).sum().neg().rename("loss");
        sd.setLossVariables(loss);
        return new ClassifierGraph(sd, features.name(), poolWeights.name(), mask == null ? null : mask.name(),
                targets.name(), logits, loss, batch, length);
    }

    /** An estimate of the activation memory of one forward pass, in bytes. */
    public long estimateForwardBytes(int batch, int length) {
        return backbone.estimateForwardBytes(batch, length) + 2L * batch * length * Math.max(channels, config.dModel()) * dtype.width();
    }
}
