package org.ssm4j.experiments.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import org.ssm4j.experiments.tasks.SyntheticTask;

/**
 * The {@code task:} section: which synthetic task to train on and at which length. {@code name}
 * selects the record: {@code selective_copying} ({@link SelectiveCopyingConfig}) or
 * {@code induction_heads} ({@link InductionHeadsConfig}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "name", visible = true)
@JsonSubTypes({
        @JsonSubTypes.Type(value = SelectiveCopyingConfig.class, name = SelectiveCopyingConfig.NAME),
        @JsonSubTypes.Type(value = InductionHeadsConfig.class, name = InductionHeadsConfig.NAME),
})
public sealed interface TaskConfig permits SelectiveCopyingConfig, InductionHeadsConfig {

    /** The task's name. */
    String name();

    /** Training sequence length (tokens the model sees). */
    int length();

    /** Number of token ids. */
    int vocabSize();

    /** The task generator this config describes. */
    SyntheticTask create();

    /** The same task at another length. */
    TaskConfig withLength(int length);

    /**
     * The config of the task called {@code name} with its defaults, for commands that name a
     * task without a config file.
     */
    static TaskConfig defaults(String name, int length) {
        return switch (name) {
            case SelectiveCopyingConfig.NAME -> SelectiveCopyingConfig.fromYaml(name, length, null, null);
            case InductionHeadsConfig.NAME -> InductionHeadsConfig.fromYaml(name, length, null);
            default -> throw new IllegalArgumentException("unknown task '" + name + "'; expected "
                    + SelectiveCopyingConfig.NAME + " or " + InductionHeadsConfig.NAME);
        };
    }
}
