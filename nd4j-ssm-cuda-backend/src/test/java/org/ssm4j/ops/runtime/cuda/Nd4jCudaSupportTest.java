package org.ssm4j.ops.runtime.cuda;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.jcublas.ops.executioner.CudaExecutioner;
import org.ssm4j.ops.runtime.Nd4jBackendSupport;

import java.lang.reflect.Proxy;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What can be checked without ND4J's CUDA backend running (it needs CUDA 11.6 and a GPU up to
 * sm_86): the service is found, it names the backend's executioner class exactly, it declines
 * any other executioner, and its executioner is one of ND4J's CUDA executioners.
 */
class Nd4jCudaSupportTest {

    @Test
    void isAServiceOfNd4jBackendSupport() {
        assertTrue(ServiceLoader.load(Nd4jBackendSupport.class).stream()
                .anyMatch(provider -> provider.type() == Nd4jCudaSupport.class));
    }

    @Test
    void namesTheCudaBackendsExecutioner() {
        assertEquals(CudaExecutioner.class.getName(), Nd4jCudaSupport.CUDA_EXECUTIONER);
        assertTrue(CudaExecutioner.class.isAssignableFrom(SsmCudaOpExecutioner.class));
    }

    @Test
    void declinesOtherExecutioners() {
        OpExecutioner other = (OpExecutioner) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{OpExecutioner.class}, (proxy, method, args) -> null);
        assertFalse(new Nd4jCudaSupport().supports(other));
    }
}
