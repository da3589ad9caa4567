package org.ssm4j.ops.runtime;

import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.cpu.nativecpu.ops.NativeOpExecutioner;

/** ND4J's CPU backend (nd4j-native): {@link SsmOpExecutioner}, host memory only. */
final class CpuBackendSupport implements Nd4jBackendSupport {

    @Override
    public boolean supports(OpExecutioner nd4jExecutioner) {
        return nd4jExecutioner.getClass() == NativeOpExecutioner.class;
    }

    @Override
    public JavaOpExecutioner executioner(OpExecutioner nd4jExecutioner) {
        return new SsmOpExecutioner();
    }

    @Override
    public HostMemory hostMemory() {
        return HostMemory.DIRECT;
    }
}
