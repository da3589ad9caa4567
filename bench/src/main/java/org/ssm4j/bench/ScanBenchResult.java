package org.ssm4j.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jspecify.annotations.Nullable;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link ScanBench} measured. Times are per (channel, state, token) element, the median
 * and the minimum over the repetitions.
 *
 * @param fwdCpuNsPerElement CPU time of the whole process (all threads) per element, the mean over the
 *                           repetitions (the OS counts it in ticks of several ms); on a busy machine
 *                           it moves less than the wall-clock time
 * @param peakBytes          extra memory of one forward + backward: {@code nativeBytes + heapBytes}
 * @param nativeBytes        every ND4J array the two ops allocate (y, last state, checkpoints, the
 *                           gradients; all alive at the end)
 * @param heapBytes          every byte the Java heap allocates during the two calls, warm
 * @param stock              the stock-SameDiff version on the same shape, or null
 * @param stockSkipped       why the stock version did not run, or null
 */
public record ScanBenchResult(ScanShape shape, int threads, int repetitions,
                              double fwdNsPerElement, double fwdNsPerElementMin,
                              double bwdNsPerElement, double bwdNsPerElementMin,
                              double fwdCpuNsPerElement, double bwdCpuNsPerElement,
                              long peakBytes, long nativeBytes, long heapBytes,
                              @Nullable Stock stock, @Nullable String stockSkipped, double loadAverage) {

    /**
     * The stock-SameDiff version's figures: {@code output()} for the forward pass,
     * {@code calculateGradients()} (forward and backward) minus the forward for the backward
     * pass, and the resident-set peak of its first {@code calculateGradients()} ({@link MemoryProbe}).
     */
    public record Stock(double fwdNsPerElement, double bwdNsPerElement, long residentPeakBytes, int repetitions) {
    }

    /** The result as one JSON object (the keys {@code fwd_ns_per_element}, {@code bwd_ns_per_element}, {@code peak_bytes} and more). */
    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("fwd_ns_per_element", fwdNsPerElement);
        json.put("bwd_ns_per_element", bwdNsPerElement);
        json.put("peak_bytes", peakBytes);
        json.put("fwd_ns_per_element_min", fwdNsPerElementMin);
        json.put("bwd_ns_per_element_min", bwdNsPerElementMin);
        json.put("fwd_cpu_ns_per_element", fwdCpuNsPerElement);
        json.put("bwd_cpu_ns_per_element", bwdCpuNsPerElement);
        json.put("native_bytes", nativeBytes);
        json.put("heap_bytes", heapBytes);
        json.put("batch", shape.batch());
        json.put("channels", shape.channels());
        json.put("state", shape.state());
        json.put("length", shape.length());
        json.put("threads", threads);
        json.put("repetitions", repetitions);
        json.put("load_average", loadAverage);
        if (stock != null) {
            json.put("stock_fwd_ns_per_element", stock.fwdNsPerElement());
            json.put("stock_bwd_ns_per_element", stock.bwdNsPerElement());
            json.put("stock_resident_peak_bytes", stock.residentPeakBytes());
            json.put("stock_fwd_speed_ratio", stock.fwdNsPerElement() / fwdNsPerElement);
            json.put("stock_bwd_speed_ratio", stock.bwdNsPerElement() / bwdNsPerElement);
            json.put("stock_memory_ratio", (double) stock.residentPeakBytes() / peakBytes);
        }
        if (stockSkipped != null) {
            json.put("stock_skipped", stockSkipped);
        }
        try {
            return new ObjectMapper().writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the result as JSON", e);
        }
    }

    /** The result for people. */
    public String toText() {
        StringBuilder text = new StringBuilder();
        text.append(String.format("selective scan, %s, FLOAT, %d threads, %d repetitions (load average %.2f)%n",
                shape, threads, repetitions, loadAverage));
        text.append(String.format("  forward : %.3f ns/element (min %.3f; CPU time of all threads %.3f)%n",
                fwdNsPerElement, fwdNsPerElementMin, fwdCpuNsPerElement));
        text.append(String.format("  backward: %.3f ns/element (min %.3f; CPU time of all threads %.3f), "
                + "recomputation included%n", bwdNsPerElement, bwdNsPerElementMin, bwdCpuNsPerElement));
        text.append(String.format("  peak extra memory: %s (ND4J arrays %s + Java heap allocated %s)%n",
                mib(peakBytes), mib(nativeBytes), mib(heapBytes)));
        if (stock != null) {
            text.append(String.format("  stock SameDiff: forward %.3f ns/element (%.1fx slower), backward %.3f ns/element "
                            + "(%.1fx slower), resident-set peak %s (%.1fx the op's peak extra memory)%n",
                    stock.fwdNsPerElement(), stock.fwdNsPerElement() / fwdNsPerElement, stock.bwdNsPerElement(),
                    stock.bwdNsPerElement() / bwdNsPerElement, mib(stock.residentPeakBytes()),
                    (double) stock.residentPeakBytes() / peakBytes));
        }
        if (stockSkipped != null) {
            text.append("  stock SameDiff: skipped, ").append(stockSkipped).append(System.lineSeparator());
        }
        return text.toString();
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
