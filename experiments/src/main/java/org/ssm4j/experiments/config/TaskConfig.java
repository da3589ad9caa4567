package org.ssm4j.experiments.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import org.ssm4j.experiments.train.TaskContext;
import org.ssm4j.experiments.train.TrainingTask;

/**
 * The {@code task:} section: what to train on and at which length. {@code name} selects the
 * record: the synthetic tasks {@code selective_copying} ({@link SelectiveCopyingConfig}) and
 * {@code induction_heads} ({@link InductionHeadsConfig}), byte-level language modelling on a
 * corpus ({@code byte_lm}, {@link ByteLanguageModelConfig}), and sequence classification of
 * images ({@code image_classification}, {@link ImageClassificationConfig}) and recordings
 * ({@code audio_classification}, {@link AudioClassificationConfig}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "name", visible = true)
@JsonSubTypes({
        @JsonSubTypes.Type(value = SelectiveCopyingConfig.class, name = SelectiveCopyingConfig.NAME),
        @JsonSubTypes.Type(value = InductionHeadsConfig.class, name = InductionHeadsConfig.NAME),
        @JsonSubTypes.Type(value = ByteLanguageModelConfig.class, name = ByteLanguageModelConfig.NAME),
        @JsonSubTypes.Type(value = ImageClassificationConfig.class, name = ImageClassificationConfig.NAME),
        @JsonSubTypes.Type(value = AudioClassificationConfig.class, name = AudioClassificationConfig.NAME),
})
public sealed interface TaskConfig permits SyntheticTaskConfig, ByteLanguageModelConfig, ImageClassificationConfig,
        AudioClassificationConfig {

    /** Every task name, as config files spell them. */
    String NAMES = "[" + SelectiveCopyingConfig.NAME + ", " + InductionHeadsConfig.NAME + ", " + ByteLanguageModelConfig.NAME
            + ", " + ImageClassificationConfig.NAME + ", " + AudioClassificationConfig.NAME + "]";

    /** The task's name. */
    String name();

    /** Training sequence length (positions the model sees). */
    int length();

    /** What the model reads and predicts, for reports, e.g. "vocabulary 16" or "10 classes". */
    String vocabularyDescription();

    /**
     * The same task at another length.
     *
     * @throws IllegalArgumentException if the task's length is fixed by its data
     */
    TaskConfig withLength(int length);

    /**
     * Opens the task for a run: reads (or first prepares) its data and builds the model
     * {@code context} names for the task's inputs and outputs.
     */
    TrainingTask open(TaskContext context);

    /**
     * The config of the synthetic task called {@code name} with its defaults, for commands that
     * name a task without a config file.
     */
    static TaskConfig defaults(String name, int length) {
        return switch (name) {
            case SelectiveCopyingConfig.NAME -> SelectiveCopyingConfig.fromYaml(name, length, null, null);
            case InductionHeadsConfig.NAME -> InductionHeadsConfig.fromYaml(name, length, null);
            default -> throw new IllegalArgumentException("unknown synthetic task '" + name + "'; expected "
                    + SelectiveCopyingConfig.NAME + " or " + InductionHeadsConfig.NAME);
        };
    }
}
