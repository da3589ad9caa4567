package org.ssm4j.ops.runtime;

import org.nd4j.autodiff.samediff.InferenceFactory;
import org.nd4j.autodiff.samediff.SameDiff;
import org.ssm4j.kernels.OnOffProperty;

/**
 * Makes SameDiff's sessions reuse a call's arrays in their next call ({@link RecyclingSession},
 * {@link RecyclingSessionMemory}): {@link SsmRuntime} installs it, unless the system property
 * {@value #PROPERTY} is {@code false}, and only in place of SameDiff's default session factory
 * (one bound by someone else stays).
 */
public final class SessionRecycling {

    /** The system property that turns session recycling off ({@code false}). */
    public static final String PROPERTY = "ssm4j.samediff.recycle";
    private static final InferenceFactory FACTORY = RecyclingSession::new;

    private SessionRecycling() {
    }

    /** Binds SameDiff's session factory to {@link RecyclingSession} if the factory is SameDiff's default. */
    static void install() {
        synchronized (SameDiff.class) {
            if (SameDiff.getInferenceFactory() instanceof SameDiff.DefaultInferenceFactory) {
                SameDiff.bindInferenceFactory(FACTORY);
            }
        }
    }

    /**
     * Whether {@value #PROPERTY} leaves recycling on ({@code true}, the default).
     *
     * @throws IllegalArgumentException for a value other than true or false, naming the property
     */
    public static boolean enabled() {
        return OnOffProperty.read(PROPERTY, true);
    }

    /** Whether SameDiff's sessions created from now on recycle their arrays. */
    public static boolean installed() {
        return SameDiff.getInferenceFactory() == FACTORY;
    }
}
