package org.ssm4j.ops.runtime;

import org.nd4j.autodiff.samediff.InferenceFactory;
import org.nd4j.autodiff.samediff.SameDiff;

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

    /** Binds SameDiff's session factory to {@link RecyclingSession} if enabled and the factory is SameDiff's default. */
    static void install() {
        if (!enabled()) {
            return;
        }
        synchronized (SameDiff.class) {
            if (SameDiff.getInferenceFactory() instanceof SameDiff.DefaultInferenceFactory) {
                SameDiff.bindInferenceFactory(FACTORY);
            }
        }
    }

    /** Whether {@value #PROPERTY} leaves recycling on (anything but {@code false}). */
    public static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());
    }

    /** Whether SameDiff's sessions created from now on recycle their arrays. */
    public static boolean installed() {
        return SameDiff.getInferenceFactory() == FACTORY;
    }
}
