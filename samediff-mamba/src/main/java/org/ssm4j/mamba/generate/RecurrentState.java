package org.ssm4j.mamba.generate;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The recurrent state of a batch of sequences: per layer, the convolution state (the last
 * {@code conv_kernel - 1} inputs of each channel, oldest first: (batch, channels, width - 1))
 * and the SSM state (batch, channels, state). Hugging Face's {@code MambaCache} keeps
 * {@code conv_kernel} inputs per channel, but the oldest is never read again; ssm4j's conv
 * kernels keep the ones that are. Its size is fixed: a token costs the same whatever the
 * length of the context. Also holds the scratch buffers of a token step. Made by
 * {@link RecurrentMamba#newState}; one thread at a time.
 */
public final class RecurrentState {

    private final RecurrentMamba.Dims dims;
    private final int batch;
    /**
     * (2, layers, batch, channels, width - 1) and (2, layers, batch, channels, state): each
     * update reads one half and writes the other; sequence s's current state is in half
     * {@code parity[s]}.
     */
    final FloatTensor conv;
    final FloatTensor ssm;
    private final int[] parity;
    private final long[] positions;

    // Scratch of a token step, one row per active sequence.
    final FloatTensor hidden;
    final FloatTensor normed;
    final FloatTensor x;
    final FloatTensor z;
    final FloatTensor u;
    final FloatTensor delta;
    final FloatTensor y;
    final FloatTensor projected;
    final FloatTensor logits;

    RecurrentState(RecurrentMamba.Dims dims, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        this.dims = dims;
        this.batch = batch;
        this.conv = FloatTensor.zeros(2, dims.layers(), batch, dims.channels(), dims.width() - 1);
        this.ssm = FloatTensor.zeros(2, dims.layers(), batch, dims.channels(), dims.state());
        this.parity = new int[batch];
        this.positions = new long[batch];
        this.hidden = FloatTensor.allocate(batch, dims.model());
        this.normed = FloatTensor.allocate(batch, dims.model());
        this.x = FloatTensor.allocate(batch, dims.channels());
        this.z = FloatTensor.allocate(batch, dims.channels());
        this.u = FloatTensor.allocate(batch, dims.channels());
        this.delta = FloatTensor.allocate(batch, dims.channels());
        this.y = FloatTensor.allocate(batch, dims.channels());
        this.projected = FloatTensor.allocate(batch, dims.xProjSize());
        this.logits = FloatTensor.allocate(batch, dims.vocab());
    }

    /** Number of sequences this state holds. */
    public int batch() {
        return batch;
    }

    /** Tokens sequence {@code s} has consumed since it was created or reset. */
    public long position(int s) {
        checkSequence(s);
        return positions[s];
    }

    /** Clears sequence {@code s}'s state, as if it had consumed no token. */
    public void reset(int s) {
        checkSequence(s);
        for (int l = 0; l < dims.layers(); l++) {
            convSlice(parity[s], l, s).fill((byte) 0);
            ssmSlice(parity[s], l, s).fill((byte) 0);
        }
        positions[s] = 0;
    }

    /** A copy of sequence {@code s}'s convolution state in layer {@code layer}: (channels, width - 1) row-major. */
    public float[] convState(int layer, int s) {
        checkSequence(s);
        checkLayer(layer);
        return convSlice(parity[s], layer, s).toArray(ValueLayout.JAVA_FLOAT);
    }

    /** A copy of sequence {@code s}'s SSM state in layer {@code layer}: (channels, state) row-major. */
    public float[] ssmState(int layer, int s) {
        checkSequence(s);
        checkLayer(layer);
        return ssmSlice(parity[s], layer, s).toArray(ValueLayout.JAVA_FLOAT);
    }

    /** Offset in floats of sequence s's current (or, with {@code next}, next) conv state of a layer in {@link #conv}. */
    long convOffset(int layer, int s, boolean next) {
        return offset(layer, s, next) * (dims.width() - 1);
    }

    /** Offset in floats of sequence s's current (or, with {@code next}, next) SSM state of a layer in {@link #ssm}. */
    long ssmOffset(int layer, int s, boolean next) {
        return offset(layer, s, next) * dims.state();
    }

    private long offset(int layer, int s, boolean next) {
        int half = next ? 1 - parity[s] : parity[s];
        return (((long) half * dims.layers() + layer) * batch + s) * dims.channels();
    }

    /** Marks sequence s as having consumed {@code tokens} more tokens: its next states become current. */
    void advance(int s, int tokens) {
        parity[s] = 1 - parity[s];
        positions[s] += tokens;
    }

    void checkSequence(int s) {
        if (s < 0 || s >= batch) {
            throw new IllegalArgumentException("sequence " + s + " is outside this state's batch [0, " + batch + ")");
        }
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer >= dims.layers()) {
            throw new IllegalArgumentException("layer " + layer + " is outside [0, " + dims.layers() + ")");
        }
    }

    private MemorySegment convSlice(int half, int layer, int s) {
        long floats = (long) dims.channels() * (dims.width() - 1);
        return conv.segment.asSlice((((long) half * dims.layers() + layer) * batch + s) * floats * Float.BYTES,
                floats * Float.BYTES);
    }

    private MemorySegment ssmSlice(int half, int layer, int s) {
        long floats = (long) dims.channels() * dims.state();
        return ssm.segment.asSlice((((long) half * dims.layers() + layer) * batch + s) * floats * Float.BYTES,
                floats * Float.BYTES);
    }

    @Override
    public String toString() {
        return "RecurrentState[batch=" + batch + ", positions=" + Arrays.toString(positions) + "]";
    }
}
