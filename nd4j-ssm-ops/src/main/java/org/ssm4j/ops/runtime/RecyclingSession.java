package org.ssm4j.ops.runtime;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.config.SDValue;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * SameDiff's {@link InferenceSession} with {@link RecyclingSessionMemory}: the session tells its
 * memory where each call starts (before the placeholders are prepared, which may allocate) and
 * what the call returns.
 */
final class RecyclingSession extends InferenceSession {

    private final RecyclingSessionMemory memory = new RecyclingSessionMemory();

    RecyclingSession(SameDiff sameDiff) {
        super(sameDiff);
        setMmgr(memory);
    }

    RecyclingSessionMemory memory() {
        return memory;
    }

    @Override
    protected Map<String, INDArray> preprocessPlaceholders(Map<String, INDArray> placeholders, At at) {
        memory.startCall();
        return super.preprocessPlaceholders(placeholders, at);
    }

    @Override
    protected Map<String, SDValue> postProcessOutputValues(Map<String, SDValue> output) {
        Map<String, SDValue> values = super.postProcessOutputValues(output);
        memory.endCall(values.values());
        return values;
    }
}
