package org.ssm4j.mamba.generate;

import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.kernels.CausalConv1dSpec;
import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.kernels.SelectiveScanKernel;
import org.ssm4j.kernels.cpu.CausalConv1dCpu;
import org.ssm4j.kernels.cpu.CpuScanKernels;
import org.ssm4j.kernels.cpu.RmsNormVector;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MambaWeights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A Mamba language model for recurrent inference: a prefill pass over a prompt, then one
 * step per token whose cost does not depend on the context length.
 *
 * <p>The prefill runs the block on chunks of {@value #PREFILL_CHUNK} tokens as matrix
 * products (ND4J, OpenBLAS), the causal convolution and the selective scan, and leaves the
 * convolution and SSM states in a {@link RecurrentState}; only the last position goes
 * through the LM head. A step is matrix-vector products over the weights (Vector API, split
 * over {@code threads} threads), the convolution and SSM updates of one position, and the LM
 * head: the weights are read once per step for the whole batch.
 *
 * <p>The math is Hugging Face's {@code MambaForCausalLM}: RMSNorm, in_proj to x and z, the
 * depthwise causal convolution with bias and SiLU, x_proj to (delta, B, C), delta through
 * dt_proj and softplus, {@code h = exp(delta·A)·h + delta·B·x}, {@code y = C·h + D·x},
 * {@code y·silu(z)}, out_proj, the residual; the final RMSNorm and the LM head.
 *
 * <p>Float32 weights are used in place (do not change or close them while the model is in
 * use); others are converted to float32 copies. Several threads may use one model, each with
 * its own {@link RecurrentState} (their steps' parallel sections take turns); close the model
 * to stop its worker threads.
 */
public final class RecurrentMamba implements AutoCloseable {

    static {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new IllegalStateException("recurrent generation runs on the Vector API: start the JVM with "
                    + "--add-modules=jdk.incubator.vector (./mamba and the Maven build do)");
        }
    }

    /** Prompt tokens processed per prefill pass. */
    public static final int PREFILL_CHUNK = 512;

    /** Sizes the computation needs, from the config. */
    record Dims(int model, int channels, int state, int dtRank, int width, int vocab, int layers) {
        static Dims of(MambaConfig c) {
            return new Dims(c.hiddenSize(), c.intermediateSize(), c.stateSize(), c.timeStepRank(), c.convKernel(),
                    c.paddedVocabSize(), c.numHiddenLayers());
        }

        int xProjSize() {
            return dtRank + 2 * state;
        }
    }

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;
    private static final int LANES = MatVec.SPECIES.length();

    private final MambaConfig config;
    private final Dims dims;
    private final float eps;
    private final FloatTensor embeddings;
    private final Options options;
    private final BlockWeights[] blocks;
    private final StepBlock[] stepBlocks;
    private final FloatTensor normF;
    private final FloatTensor lmHead;
    private final StepMatrix stepLmHead;
    private final SelectiveScanKernel kernel;
    private final ParallelRange parallel;

    /**
     * How a model runs.
     *
     * @param threads       threads of the token step, at least 1 (the calling thread is one)
     * @param stepPrecision the element type of the weights a step reads
     * @param scanKernel    the selective-scan kernel of the prefill (float32)
     */
    public record Options(int threads, StepPrecision stepPrecision, SelectiveScanKernel scanKernel) {
        public Options {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, got " + threads);
            }
            Objects.requireNonNull(stepPrecision, "stepPrecision");
            Objects.requireNonNull(scanKernel, "scanKernel");
            if (!scanKernel.supports(ElementType.FLOAT32)) {
                throw new IllegalArgumentException("scan kernel " + scanKernel.name() + " does not support float32");
            }
        }

        /** Every available processor, float32 steps, ssm4j's CPU scan kernel. */
        public static Options defaults() {
            return new Options(Runtime.getRuntime().availableProcessors(), StepPrecision.FLOAT32,
                    CpuScanKernels.forType(ElementType.FLOAT32));
        }

        /** These options with another number of step threads. */
        public Options withThreads(int newThreads) {
            return new Options(newThreads, stepPrecision, scanKernel);
        }

        /** These options with another step precision. */
        public Options withStepPrecision(StepPrecision precision) {
            return new Options(threads, precision, scanKernel);
        }

        /** These options with another scan kernel. */
        public Options withScanKernel(SelectiveScanKernel kernel) {
            return new Options(threads, stepPrecision, kernel);
        }
    }

    /** The matrices of one block as the step reads them. */
    private record StepBlock(StepMatrix inX, StepMatrix inZ, StepMatrix xProj, StepMatrix dtProj, StepMatrix outProj) {
        static StepBlock of(BlockWeights b, Dims dims, StepPrecision precision) {
            return new StepBlock(StepMatrix.of(b.inX(), dims.channels(), dims.model(), precision),
                    StepMatrix.of(b.inZ(), dims.channels(), dims.model(), precision),
                    StepMatrix.of(b.xProj(), dims.xProjSize(), dims.channels(), precision),
                    StepMatrix.of(b.dtProj(), dims.channels(), dims.dtRank(), precision),
                    StepMatrix.of(b.outProj(), dims.model(), dims.channels(), precision));
        }
    }

    private RecurrentMamba(MambaWeights weights, Options options) {
        this.config = weights.config();
        this.dims = Dims.of(config);
        this.options = options;
        this.eps = (float) config.layerNormEpsilon();
        this.embeddings = FloatTensor.of(weights.get(MambaParameters.EMBEDDINGS), dims.vocab(), dims.model());
        this.blocks = new BlockWeights[dims.layers()];
        this.stepBlocks = new StepBlock[dims.layers()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = BlockWeights.of(weights, i);
            stepBlocks[i] = StepBlock.of(blocks[i], dims, options.stepPrecision());
        }
        this.normF = FloatTensor.of(weights.get(MambaParameters.NORM_F), dims.model());
        this.lmHead = config.tieWordEmbeddings() ? embeddings
                : FloatTensor.of(weights.lmHead(), dims.vocab(), dims.model());
        this.stepLmHead = StepMatrix.of(lmHead, dims.vocab(), dims.model(), options.stepPrecision());
        this.kernel = options.scanKernel();
        this.parallel = new ParallelRange(options.threads());
    }

    /**
     * A model for recurrent inference from checked weights (float32 used in place, other types
     * converted), with {@link Options#defaults()}.
     */
    public static RecurrentMamba create(MambaWeights weights) {
        return create(weights, Options.defaults());
    }

    /**
     * A model for recurrent inference from checked weights (float32 used in place, other types converted).
     *
     * @throws IllegalArgumentException if the weights' mixers are not selective
     */
    public static RecurrentMamba create(MambaWeights weights, Options options) {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(options, "options");
        weights.requireSelective("recurrent generation");
        return new RecurrentMamba(weights, options);
    }

    /** The model's config. */
    public MambaConfig config() {
        return config;
    }

    /** Number of logits per position: the embedding matrix's rows (the padded vocabulary). */
    public int vocabSize() {
        return dims.vocab();
    }

    /** How this model runs. */
    public Options options() {
        return options;
    }

    /** A zero state for {@code batch} sequences. */
    public RecurrentState newState(int batch) {
        return new RecurrentState(dims, batch);
    }

    /**
     * Feeds sequence {@code sequence} of {@code state} its prompt (or more of it) and returns
     * the logits after the last token, the distribution of the next one.
     *
     * @throws IllegalArgumentException if {@code tokens} is empty or holds an id outside the vocabulary
     */
    public float[] prefill(RecurrentState state, int sequence, int[] tokens) {
        return prefill(state, sequence, tokens, false)[0];
    }

    /**
     * The logits at every position of a sequence: row {@code t} is the distribution of token
     * {@code t + 1}. The same pass as {@link #prefill} with the LM head applied to every
     * position, for scoring and tests; for long inputs it needs {@code tokens × vocabulary}
     * floats.
     */
    public float[][] logitsAtEveryPosition(int[] tokens) {
        return prefill(newState(1), 0, tokens, true);
    }

    /**
     * One token for each of several sequences of a state: sequence {@code sequences[i]} consumes
     * {@code tokens[i]}. Returns each one's logits for its next token, in the same order. The
     * weights are read once for all of them.
     *
     * @throws IllegalArgumentException if the arrays differ in length, a sequence is out of
     *                                  range or repeated, or a token is outside the vocabulary
     */
    public float[][] step(RecurrentState state, int[] sequences, int[] tokens) {
        checkStep(state, sequences, tokens);
        int n = sequences.length;
        int model = dims.model();
        int channels = dims.channels();
        int projected = dims.xProjSize();
        for (int j = 0; j < n; j++) {
            MemorySegment.copy(embeddings.segment, (long) tokens[j] * model * Float.BYTES,
                    state.hidden.segment, (long) j * model * Float.BYTES, (long) model * Float.BYTES);
            RmsNormVector.forwardRow(state.hidden.segment, (long) j * model, blocks[0].norm().segment, eps,
                    state.normed.segment, (long) j * model, model);
        }
        for (int l = 0; l < blocks.length; l++) {
            BlockWeights b = blocks[l];
            StepBlock m = stepBlocks[l];
            int layer = l;
            parallel.run(channels, LANES, (part, c0, c1) -> {
                m.inX().multiply(state.normed.segment, model, state.x.segment, channels, n, c0, c1, false);
                m.inZ().multiply(state.normed.segment, model, state.z.segment, channels, n, c0, c1, false);
                for (int j = 0; j < n; j++) {
                    addBias(state.x.segment, (long) j * channels, b.inBiasX(), c0, c1);
                    addBias(state.z.segment, (long) j * channels, b.inBiasZ(), c0, c1);
                    convolve(state, b, layer, sequences[j], 1, state.x.segment, state.u.segment, (long) j * channels, c0, c1);
                }
            });
            parallel.run(projected, 4, (part, r0, r1) ->
                    m.xProj().multiply(state.u.segment, channels, state.projected.segment, projected, n, r0, r1, false));
            parallel.run(channels, LANES, (part, c0, c1) -> {
                m.dtProj().multiply(state.projected.segment, projected, state.delta.segment, channels, n, c0, c1, false);
                for (int j = 0; j < n; j++) {
                    SelectiveStateUpdate.apply(dims.state(), state.u.segment, state.delta.segment, state.z.segment,
                            state.y.segment, (long) j * channels, state.projected.segment,
                            (long) j * projected + dims.dtRank(), b.a().segment, b.d().segment, b.dtBias().segment,
                            state.ssm.segment, state.ssmOffset(layer, sequences[j], false),
                            state.ssm.segment, state.ssmOffset(layer, sequences[j], true), c0, c1);
                }
            });
            parallel.run(model, 4, (part, r0, r1) -> {
                m.outProj().multiply(state.y.segment, channels, state.hidden.segment, model, n, r0, r1, true);
                for (int j = 0; j < n; j++) {
                    addBias(state.hidden.segment, (long) j * model, b.outBias(), r0, r1);
                }
            });
            FloatTensor nextNorm = l + 1 < blocks.length ? blocks[l + 1].norm() : normF;
            for (int j = 0; j < n; j++) {
                RmsNormVector.forwardRow(state.hidden.segment, (long) j * model, nextNorm.segment, eps,
                        state.normed.segment, (long) j * model, model);
            }
        }
        parallel.run(dims.vocab(), 4, (part, r0, r1) ->
                stepLmHead.multiply(state.normed.segment, model, state.logits.segment, dims.vocab(), n, r0, r1, false));
        float[][] out = new float[n][];
        for (int j = 0; j < n; j++) {
            state.advance(sequences[j], 1);
            out[j] = state.logits.segment.asSlice((long) j * dims.vocab() * Float.BYTES, (long) dims.vocab() * Float.BYTES)
                    .toArray(FLOAT);
        }
        return out;
    }

    /**
     * {@code u = silu(conv(x))} for channels [c0, c1) of {@code length} positions of sequence s
     * (state slot), rows at {@code rowOffset} floats of (length, channels) buffers; the conv
     * state goes from the current half to the next.
     */
    private void convolve(RecurrentState state, BlockWeights b, int layer, int s, int length,
                          MemorySegment x, MemorySegment u, long rowOffset, int c0, int c1) {
        int channels = dims.channels();
        int width = c1 - c0;
        int history = dims.width() - 1;
        long rows = (long) length * channels;
        CausalConv1dSpec spec = new CausalConv1dSpec(1, length, width, dims.width(), true, b.convBias() != null, true);
        // One position or all channels: the rows of [c0, c1) are one dense block.
        CausalConv1dCpu.forward(spec, ElementType.FLOAT32,
                floats(x, rowOffset + c0, rows - c0 - (channels - c1)),
                floats(b.conv().segment, (long) c0 * dims.width(), (long) width * dims.width()),
                b.convBias() == null ? null : floats(b.convBias().segment, c0, width),
                floats(state.conv.segment, state.convOffset(layer, s, false) + (long) c0 * history, (long) width * history),
                floats(u, rowOffset + c0, rows - c0 - (channels - c1)),
                floats(state.conv.segment, state.convOffset(layer, s, true) + (long) c0 * history, (long) width * history));
    }

    private float[][] prefill(RecurrentState state, int sequence, int[] tokens, boolean everyPosition) {
        Objects.requireNonNull(state, "state");
        state.checkSequence(sequence);
        if (tokens.length == 0) {
            throw new IllegalArgumentException("the prompt is empty; prefill needs at least one token");
        }
        for (int t = 0; t < tokens.length; t++) {
            checkToken(tokens[t], "prompt position " + t);
        }
        float[][] logits = new float[everyPosition ? tokens.length : 1][];
        PrefillBuffers buffers = null;
        try {
            for (int from = 0; from < tokens.length; from += PREFILL_CHUNK) {
                int length = Math.min(PREFILL_CHUNK, tokens.length - from);
                if (buffers == null || buffers.length != length) {
                    if (buffers != null) {
                        buffers.free();
                    }
                    buffers = new PrefillBuffers(dims, length);
                }
                prefillChunk(state, sequence, tokens, from, buffers);
                if (everyPosition) {
                    float[][] chunk = allLogits(buffers);
                    System.arraycopy(chunk, 0, logits, from, length);
                } else if (from + length == tokens.length) {
                    logits[0] = lastLogits(buffers);
                }
            }
        } finally {
            if (buffers != null) {
                buffers.free();
            }
        }
        return logits;
    }

    /** Runs every block over tokens [from, from + buffers.length) of a prompt, leaving the residual stream in buffers.hidden. */
    private void prefillChunk(RecurrentState state, int s, int[] tokens, int from, PrefillBuffers p) {
        int length = p.length;
        int model = dims.model();
        int channels = dims.channels();
        int projected = dims.xProjSize();
        int n = dims.state();
        for (int t = 0; t < length; t++) {
            MemorySegment.copy(embeddings.segment, (long) tokens[from + t] * model * Float.BYTES,
                    p.hidden.segment, (long) t * model * Float.BYTES, (long) model * Float.BYTES);
        }
        for (int l = 0; l < blocks.length; l++) {
            BlockWeights b = blocks[l];
            int layer = l;
            normRows(p.hidden, b.norm(), p.normed, length);
            Nd4j.gemm(p.normed.array, b.inX().array, p.x.array, false, true, 1.0, 0.0);
            Nd4j.gemm(p.normed.array, b.inZ().array, p.z.array, false, true, 1.0, 0.0);
            if (b.inBiasX() != null) {
                for (int t = 0; t < length; t++) {
                    addBias(p.x.segment, (long) t * channels, b.inBiasX(), 0, channels);
                    addBias(p.z.segment, (long) t * channels, b.inBiasZ(), 0, channels);
                }
            }
            convolve(state, b, layer, s, length, p.x.segment, p.u.segment, 0, 0, channels);
            Nd4j.gemm(p.u.array, b.xProj().array, p.projected.array, false, true, 1.0, 0.0);
            for (int t = 0; t < length; t++) {
                long row = (long) t * projected * Float.BYTES;
                MemorySegment.copy(p.projected.segment, row, p.dtIn.segment, (long) t * dims.dtRank() * Float.BYTES,
                        (long) dims.dtRank() * Float.BYTES);
                MemorySegment.copy(p.projected.segment, row + (long) dims.dtRank() * Float.BYTES,
                        p.b.segment, (long) t * n * Float.BYTES, (long) n * Float.BYTES);
                MemorySegment.copy(p.projected.segment, row + (long) (dims.dtRank() + n) * Float.BYTES,
                        p.c.segment, (long) t * n * Float.BYTES, (long) n * Float.BYTES);
            }
            Nd4j.gemm(p.dtIn.array, b.dtProj().array, p.delta.array, false, true, 1.0, 0.0);
            ScanSpec spec = new ScanSpec(1, length, channels, n, 1, true, true, true, true, true,
                    ScanSpec.DEFAULT_CHECKPOINT_INTERVAL);
            long stateFloats = (long) channels * n;
            kernel.forward(spec, new ScanForward(ElementType.FLOAT32, p.u.segment, p.delta.segment, b.a().segment,
                    p.b.segment, p.c.segment, b.d().segment, p.z.segment, b.dtBias().segment,
                    floats(state.ssm.segment, state.ssmOffset(layer, s, false), stateFloats),
                    p.y.segment,
                    floats(state.ssm.segment, state.ssmOffset(layer, s, true), stateFloats),
                    null));
            Nd4j.gemm(p.y.array, b.outProj().array, p.hidden.array, false, true, 1.0, 1.0);
            if (b.outBias() != null) {
                for (int t = 0; t < length; t++) {
                    addBias(p.hidden.segment, (long) t * model, b.outBias(), 0, model);
                }
            }
        }
        state.advance(s, length);
    }

    /** The logits after the chunk's last position: final norm and LM head on that row only. */
    private float[] lastLogits(PrefillBuffers p) {
        int model = dims.model();
        long last = (long) (p.length - 1) * model;
        RmsNormVector.forwardRow(p.hidden.segment, last, normF.segment, eps, p.normed.segment, last, model);
        MemorySegment row = p.normed.segment.asSlice(last * Float.BYTES, (long) model * Float.BYTES);
        FloatTensor logits = FloatTensor.allocate(dims.vocab());
        try {
            parallel.run(dims.vocab(), 4, (part, r0, r1) ->
                    stepLmHead.multiply(row, model, logits.segment, dims.vocab(), 1, r0, r1, false));
            return logits.segment.toArray(FLOAT);
        } finally {
            logits.free();
        }
    }

    private float[][] allLogits(PrefillBuffers p) {
        normRows(p.hidden, normF, p.normed, p.length);
        FloatTensor logits = FloatTensor.allocate(p.length, dims.vocab());
        try {
            Nd4j.gemm(p.normed.array, lmHead.array, logits.array, false, true, 1.0, 0.0);
            float[][] out = new float[p.length][];
            long rowBytes = (long) dims.vocab() * Float.BYTES;
            for (int t = 0; t < p.length; t++) {
                out[t] = logits.segment.asSlice(t * rowBytes, rowBytes).toArray(FLOAT);
            }
            return out;
        } finally {
            logits.free();
        }
    }

    private void normRows(FloatTensor in, FloatTensor weight, FloatTensor out, int rows) {
        int model = dims.model();
        parallel.run(rows, 1, (part, t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                RmsNormVector.forwardRow(in.segment, (long) t * model, weight.segment, eps, out.segment, (long) t * model, model);
            }
        });
    }

    private static void addBias(MemorySegment row, long rowOffset, FloatTensor bias, int from, int to) {
        if (bias == null) {
            return;
        }
        for (int i = from; i < to; i++) {
            long at = (rowOffset + i) * Float.BYTES;
            row.set(FLOAT, at, row.get(FLOAT, at) + bias.segment.getAtIndex(FLOAT, i));
        }
    }

    private static MemorySegment floats(MemorySegment segment, long offset, long count) {
        return segment.asSlice(offset * Float.BYTES, count * Float.BYTES);
    }

    private void checkToken(int token, String where) {
        if (token < 0 || token >= dims.vocab()) {
            throw new IllegalArgumentException("token id " + token + " at " + where + " is outside the vocabulary [0, "
                    + dims.vocab() + ")");
        }
    }

    private void checkStep(RecurrentState state, int[] sequences, int[] tokens) {
        Objects.requireNonNull(state, "state");
        if (sequences.length != tokens.length) {
            throw new IllegalArgumentException("got " + sequences.length + " sequences but " + tokens.length + " tokens");
        }
        if (sequences.length == 0) {
            throw new IllegalArgumentException("a step needs at least one sequence");
        }
        boolean[] seen = new boolean[state.batch()];
        for (int j = 0; j < sequences.length; j++) {
            state.checkSequence(sequences[j]);
            if (seen[sequences[j]]) {
                throw new IllegalArgumentException("sequence " + sequences[j] + " appears twice in one step");
            }
            seen[sequences[j]] = true;
            checkToken(tokens[j], "step entry " + j + " (sequence " + sequences[j] + ")");
        }
    }

    /** Stops the step's worker threads; the model cannot be used afterwards. */
    @Override
    public void close() {
        parallel.close();
    }

    /** Activations of one prefill chunk of {@code length} positions, (length, width) each; freed after the prefill. */
    private static final class PrefillBuffers {
        final int length;
        final FloatTensor hidden;
        final FloatTensor normed;
        final FloatTensor x;
        final FloatTensor z;
        final FloatTensor u;
        final FloatTensor projected;
        final FloatTensor dtIn;
        final FloatTensor b;
        final FloatTensor c;
        final FloatTensor delta;
        final FloatTensor y;

        PrefillBuffers(Dims dims, int length) {
            this.length = length;
            hidden = FloatTensor.allocate(length, dims.model());
            normed = FloatTensor.allocate(length, dims.model());
            x = FloatTensor.allocate(length, dims.channels());
            z = FloatTensor.allocate(length, dims.channels());
            u = FloatTensor.allocate(length, dims.channels());
            projected = FloatTensor.allocate(length, dims.xProjSize());
            dtIn = FloatTensor.allocate(length, dims.dtRank());
            b = FloatTensor.allocate(length, dims.state());
            c = FloatTensor.allocate(length, dims.state());
            delta = FloatTensor.allocate(length, dims.channels());
            y = FloatTensor.allocate(length, dims.channels());
        }

        /** Frees the native memory of every buffer now. */
        void free() {
            for (FloatTensor t : new FloatTensor[]{hidden, normed, x, z, u, projected, dtIn, b, c, delta, y}) {
                t.free();
            }
        }
    }
}
