package org.ssm4j.experiments.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.ssm4j.experiments.tasks.InductionHeadsTask;
import org.ssm4j.experiments.tasks.SyntheticTask;

import static org.ssm4j.experiments.config.ConfigChecks.orDefault;

/**
 * Induction Heads ({@link InductionHeadsTask}).
 *
 * @param name      always {@value #NAME}
 * @param length    sequence length including the final trigger; at least 4 (the paper trains at 256)
 * @param vocabSize {@code vocab_size}: token ids including trigger and no-op (default 16)
 */
public record InductionHeadsConfig(String name, int length, int vocabSize) implements SyntheticTaskConfig {

    /** The config's {@code name} value. */
    public static final String NAME = InductionHeadsTask.NAME;

    public InductionHeadsConfig {
        if (!NAME.equals(name)) {
            throw new IllegalArgumentException("InductionHeadsConfig needs name '" + NAME + "', got '" + name + "'");
        }
        InductionHeadsTask task = new InductionHeadsTask(vocabSize);
        if (length < task.minimumLength()) {
            throw new IllegalArgumentException("task.length must be >= " + task.minimumLength()
                    + " for induction_heads, got " + length);
        }
    }

    @JsonCreator
    static InductionHeadsConfig fromYaml(@JsonProperty(value = "name", required = true) String name,
                                         @JsonProperty(value = "length", required = true) int length,
                                         @JsonProperty("vocab_size") Integer vocabSize) {
        return new InductionHeadsConfig(name, length, orDefault(vocabSize, 16));
    }

    @Override
    public SyntheticTask create() {
        return new InductionHeadsTask(vocabSize);
    }

    @Override
    public TaskConfig withLength(int newLength) {
        return new InductionHeadsConfig(name, newLength, vocabSize);
    }
}
