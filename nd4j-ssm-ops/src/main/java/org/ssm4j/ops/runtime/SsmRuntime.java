package org.ssm4j.ops.runtime;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.imports.converters.ImportClassMapping;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes ssm4j's Java ops runnable inside ND4J and SameDiff: swaps ND4J's op executioner for
 * a {@link JavaOpExecutioner} ({@link SsmOpExecutioner} on the CPU backend, others from
 * {@link Nd4jBackendSupport} services) and registers the classes of {@link SsmOpRegistry} by op name in
 * {@link ImportClassMapping}, where SameDiff looks ops up when it copies ({@code dup()}) or loads
 * a graph; then makes SameDiff's sessions reuse their arrays from call to call
 * ({@link SessionRecycling}, unless turned off).
 *
 * <p>Nobody needs to call this. ND4J's initialisation swaps the executioner through
 * {@link Nd4jStartupHook} (a service ND4J loads while it starts); the swapped executioner
 * registers the ops the first time SameDiff asks it for its custom operations, which SameDiff
 * does before it looks up any op by name ({@link SsmOpExecutioner#getCustomOperations()}); the
 * ops' constructors and the {@code SsmOps} facade call {@link #ensureInstalled()} too, which
 * also covers class paths where the service file was lost.
 *
 * <p>Deadlock freedom: the class initialisation of {@link ImportClassMapping} starts ND4J, so
 * the start-up hook, which runs inside ND4J's initialisation, never touches it; and
 * {@link #ensureInstalled()} lets both finish initialising before it takes its own lock. For
 * the same reason op classes must not call it from static initialisers. It is idempotent and
 * thread-safe, and logs one INFO line when it has installed.
 */
public final class SsmRuntime {

    private static final Logger log = LoggerFactory.getLogger(SsmRuntime.class);
    private static final ReentrantLock LOCK = new ReentrantLock();
    private static volatile boolean installed;
    /** True while the registering thread instantiates the ops (their constructors re-enter). Guarded by LOCK. */
    private static boolean registering;

    private SsmRuntime() {
    }

    /**
     * Installs the executioner hook and registers the ops, once per JVM.
     *
     * @throws IllegalStateException    if no {@link Nd4jBackendSupport} supports ND4J's backend
     *                                  (the CPU backend's is built in), or an op name is already
     *                                  taken by another class
     * @throws IllegalArgumentException if {@value SessionRecycling#PROPERTY} is neither true nor
     *                                  false (before anything is installed)
     */
    public static void ensureInstalled() {
        if (installed) {
            return;
        }
        Nd4j.getExecutioner();
        ImportClassMapping.getOpNameMapping();
        LOCK.lock();
        try {
            if (installed || registering) {
                return;
            }
            registering = true;
            try {
                boolean recycle = SessionRecycling.enabled();
                installExecutioner();
                List<String> names = registerOps();
                if (recycle) {
                    SessionRecycling.install();
                }
                installed = true;
                log.info("ssm4j runtime installed: ops {} run as Java kernels through {}; SameDiff sessions {} their"
                                + " arrays from call to call", names, Nd4j.getExecutioner().getClass().getSimpleName(),
                        SessionRecycling.installed() ? "reuse" : "do not reuse");
            } finally {
                registering = false;
            }
        } finally {
            LOCK.unlock();
        }
    }

    /** Whether the hook is installed and the ops are registered. */
    public static boolean isInstalled() {
        return installed;
    }

    /** Swaps the executioner only; called by {@link Nd4jStartupHook} from inside ND4J's initialisation. */
    static void installExecutionerAtStartup() {
        LOCK.lock();
        try {
            installExecutioner();
        } finally {
            LOCK.unlock();
        }
    }

    private static void installExecutioner() {
        Field field;
        try {
            field = Nd4j.class.getDeclaredField("OP_EXECUTIONER_INSTANCE");
            field.setAccessible(true);
        } catch (NoSuchFieldException | RuntimeException e) {
            throw new IllegalStateException("Cannot reach ND4J's op executioner field "
                    + "Nd4j.OP_EXECUTIONER_INSTANCE (ND4J 1.0.0-M2.1 expected)", e);
        }
        try {
            OpExecutioner current = (OpExecutioner) field.get(null);
            if (current instanceof JavaOpExecutioner) {
                return;
            }
            Nd4jBackendSupport support = backendSupport(current);
            JavaOpExecutioner replacement = support.executioner(current);
            replacement.setProfilingMode(current.getProfilingMode());
            DenseArrays.useHostMemory(support.hostMemory());
            field.set(null, replacement);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("Cannot replace ND4J's op executioner", e);
        }
    }

    /** The built-in CPU support, or the first {@link Nd4jBackendSupport} service that supports {@code current}. */
    private static Nd4jBackendSupport backendSupport(@Nullable OpExecutioner current) {
        List<Nd4jBackendSupport> candidates = new ArrayList<>(List.of(new CpuBackendSupport()));
        ServiceLoader.load(Nd4jBackendSupport.class, SsmRuntime.class.getClassLoader()).forEach(candidates::add);
        if (current != null) {
            for (Nd4jBackendSupport support : candidates) {
                if (support.supports(current)) {
                    return support;
                }
            }
        }
        throw new IllegalStateException("ssm4j's ops need ND4J's CPU backend (nd4j-native), or its CUDA backend"
                + " with the nd4j-ssm-cuda-backend module on the class path; this JVM's op executioner is "
                + (current == null ? "null" : current.getClass().getName()) + " and the supports found are "
                + candidates.stream().map(s -> s.getClass().getSimpleName()).toList());
    }

    private static List<String> registerOps() {
        Map<String, DifferentialFunction> byName = ImportClassMapping.getOpNameMapping();
        List<String> names = new ArrayList<>();
        for (Class<? extends JavaCustomOp> opClass : SsmOpRegistry.opClasses()) {
            DifferentialFunction op;
            try {
                op = opClass.getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("Op class " + opClass.getName()
                        + " needs a public no-argument constructor", e);
            }
            String name = op.opName();
            DifferentialFunction previous = byName.putIfAbsent(name, op);
            if (previous != null && previous.getClass() != opClass) {
                throw new IllegalStateException("Op name '" + name + "' of " + opClass.getName()
                        + " is already registered by " + previous.getClass().getName());
            }
            names.add(name);
        }
        return names;
    }
}
