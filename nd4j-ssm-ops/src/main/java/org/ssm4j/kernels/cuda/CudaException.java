package org.ssm4j.kernels.cuda;

/**
 * A CUDA driver call that returned an error. The message names the call, the CUDA error
 * ({@code cuGetErrorName}) and its description ({@code cuGetErrorString}).
 */
public final class CudaException extends RuntimeException {

    private final int code;
    private final String errorName;

    CudaException(String call, int code, String errorName, String description) {
        super(call + " failed: " + errorName + " (" + description + ", code " + code + ")");
        this.code = code;
        this.errorName = errorName;
    }

    /** The {@code CUresult} value. */
    public int code() {
        return code;
    }

    /** The error's name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    public String errorName() {
        return errorName;
    }
}
