package org.ssm4j.mamba.generate;

/** The element type of the weights a token step reads. */
public enum StepPrecision {
    /** The model's float32 weights, read in place: the step gives the reference's logits. */
    FLOAT32,
    /**
     * bfloat16 copies of the step's matrices (rounded to nearest even), read at half the bytes
     * per token: faster, since a step is bound by memory bandwidth, at the cost of about three
     * significant digits in the weights (on the test fixture the logits then differ from
     * float32's by about 2e-3 relative). The prefill's matrix products still use the float32 weights; the LM head of
     * its last position is the step's.
     */
    BFLOAT16
}
