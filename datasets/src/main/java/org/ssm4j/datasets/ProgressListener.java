package org.ssm4j.datasets;

/**
 * Receives progress from a long-running conversion: one or more tasks, each with a known
 * amount of work in units the task names (bytes, files, images). The command line shows it as
 * a progress bar; library callers may pass {@link #NONE}.
 */
public interface ProgressListener {

    /** Ignores all progress. */
    ProgressListener NONE = new ProgressListener() {
        @Override
        public void begin(String task, long total, String unit) {
        }

        @Override
        public void advance(long units) {
        }

        @Override
        public void end() {
        }
    };

    /**
     * A task starts.
     *
     * @param task a short description, e.g. "tokenising input.txt"
     * @param total the units of work the task will report
     * @param unit what one unit is, e.g. "B" or "files"
     */
    void begin(String task, long total, String unit);

    /**
     * Some of the current task's work is done.
     *
     * @param units how many more units are done
     */
    void advance(long units);

    /** The current task is finished. */
    void end();
}
