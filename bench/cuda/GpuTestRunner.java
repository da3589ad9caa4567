import java.io.PrintWriter;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.*;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

// Runs the given test classes with the JUnit Platform launcher (no Maven on the GPU machine).
public class GpuTestRunner {
    public static void main(String[] args) throws Exception {
        var builder = request();
        for (String c : args) builder.selectors(selectClass(Class.forName(c)));
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener log = new TestExecutionListener() {
            long start;
            public void executionStarted(TestIdentifier id) { start = System.nanoTime(); }
            public void executionFinished(TestIdentifier id, TestExecutionResult r) {
                if (id.isTest()) System.out.printf("%-8s %-70s %6.2f s %s%n", r.getStatus(), id.getDisplayName(),
                        (System.nanoTime() - start) / 1e9, r.getThrowable().map(t -> t.toString()).orElse(""));
            }
            public void executionSkipped(TestIdentifier id, String reason) { System.out.println("SKIPPED  " + id.getDisplayName() + " " + reason); }
        };
        launcher.execute(builder.build(), summary, log);
        PrintWriter out = new PrintWriter(System.out);
        summary.getSummary().printTo(out);
        summary.getSummary().printFailuresTo(out, 40);
        out.flush();
        System.exit(summary.getSummary().getTotalFailureCount() == 0 ? 0 : 1);
    }
}
