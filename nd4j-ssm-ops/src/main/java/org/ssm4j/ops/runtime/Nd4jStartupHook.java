package org.ssm4j.ops.runtime;

import org.nd4j.linalg.env.EnvironmentalAction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Swaps in ssm4j's op executioner while ND4J initialises, so that a program that never
 * touches an ssm4j class (for example one that only calls {@code SameDiff.load}) can still
 * run and load graphs containing ssm4j ops: the executioner registers the ops when SameDiff
 * first asks it for its custom operations (see {@link SsmRuntime}).
 *
 * <p>ND4J's initialisation ({@code Nd4j.initWithBackend}) creates its op executioner and then
 * instantiates every {@link EnvironmentalAction} service found on the class path; this
 * class is listed in {@code META-INF/services/org.nd4j.linalg.env.EnvironmentalAction}, and
 * its constructor swaps the executioner. ND4J would also pass it the
 * value of the environment variable {@link #targetVariable()} names; ssm4j uses the service
 * only for the moment it is created, so {@link #process} does nothing. A failure is logged,
 * never thrown: it would abort ND4J's initialisation.
 */
public final class Nd4jStartupHook implements EnvironmentalAction {

    private static final Logger log = LoggerFactory.getLogger(Nd4jStartupHook.class);

    /** Called by {@link java.util.ServiceLoader} during ND4J's initialisation. */
    public Nd4jStartupHook() {
        try {
            SsmRuntime.installExecutionerAtStartup();
        } catch (RuntimeException | LinkageError e) {
            log.warn("ssm4j op executioner not installed at ND4J start-up: {}", e.toString());
        }
    }

    @Override
    public String targetVariable() {
        return "SSM4J_RUNTIME";
    }

    @Override
    public void process(String value) {
        // Nothing to configure: the hook acts when ND4J creates it.
    }
}
