package org.ssm4j.experiments.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.ssm4j.experiments.tasks.SelectiveCopyingTask;
import org.ssm4j.experiments.tasks.SyntheticTask;

import static org.ssm4j.experiments.config.ConfigChecks.orDefault;

/**
 * Selective Copying ({@link SelectiveCopyingTask}).
 *
 * @param name       always {@value #NAME}
 * @param length     total sequence length: noise region (holding the data tokens) plus one
 *                   marker per data token; at least 2 × data_tokens
 * @param vocabSize  {@code vocab_size}: token ids including noise and marker (default 16)
 * @param dataTokens {@code data_tokens}: tokens to memorise per sequence (default 16)
 */
public record SelectiveCopyingConfig(String name, int length, int vocabSize, int dataTokens) implements SyntheticTaskConfig {

    /** The config's {@code name} value. */
    public static final String NAME = SelectiveCopyingTask.NAME;

    public SelectiveCopyingConfig {
        if (!NAME.equals(name)) {
            throw new IllegalArgumentException("SelectiveCopyingConfig needs name '" + NAME + "', got '" + name + "'");
        }
        SelectiveCopyingTask task = new SelectiveCopyingTask(vocabSize, dataTokens);
        if (length < task.minimumLength()) {
            throw new IllegalArgumentException("task.length must be >= 2 * data_tokens = " + task.minimumLength()
                    + " for selective_copying, got " + length);
        }
    }

    @JsonCreator
    static SelectiveCopyingConfig fromYaml(@JsonProperty(value = "name", required = true) String name,
                                           @JsonProperty(value = "length", required = true) int length,
                                           @JsonProperty("vocab_size") Integer vocabSize,
                                           @JsonProperty("data_tokens") Integer dataTokens) {
        return new SelectiveCopyingConfig(name, length, orDefault(vocabSize, 16), orDefault(dataTokens, 16));
    }

    @Override
    public SyntheticTask create() {
        return new SelectiveCopyingTask(vocabSize, dataTokens);
    }

    @Override
    public TaskConfig withLength(int newLength) {
        return new SelectiveCopyingConfig(name, newLength, vocabSize, dataTokens);
    }
}
