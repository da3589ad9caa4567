package org.ssm4j.datasets;

import java.util.ArrayList;
import java.util.List;

/** A {@link ProgressListener} that records each task's announced total and the units advanced. */
public final class RecordingProgress implements ProgressListener {

    /**
     * @param name the task
     * @param total the announced units
     * @param done the units advanced
     * @param ended whether the task was ended
     */
    public record Task(String name, long total, long done, boolean ended) {
    }

    private final List<Task> tasks = new ArrayList<>();

    @Override
    public void begin(String task, long total, String unit) {
        tasks.add(new Task(task, total, 0, false));
    }

    @Override
    public void advance(long units) {
        Task last = tasks.removeLast();
        tasks.add(new Task(last.name(), last.total(), last.done() + units, last.ended()));
    }

    @Override
    public void end() {
        Task last = tasks.removeLast();
        tasks.add(new Task(last.name(), last.total(), last.done(), true));
    }

    /** @return the tasks in order */
    public List<Task> tasks() {
        return List.copyOf(tasks);
    }

    /** @return whether every task was ended with exactly its announced units done */
    public boolean allComplete() {
        return !tasks.isEmpty() && tasks.stream().allMatch(t -> t.ended() && t.done() == t.total());
    }
}
