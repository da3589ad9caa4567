package org.ssm4j.experiments.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A whole experiment: one or more models, the task, training and evaluation settings. A
 * config file gives either {@code model:} (one model; what {@code train} needs) or
 * {@code models:} (a list; what {@code compare} runs side by side).
 *
 * @param name   the experiment's name (used in reports)
 * @param models the models, at least one, with distinct names
 * @param task   the task and its training length
 * @param train  optimiser and loop settings
 * @param eval   evaluation settings, with lengths resolved (never empty)
 * @param sweep  the cost measurement at several lengths after training, or null for none
 */
public record ExperimentConfig(String name, List<ModelConfig> models, TaskConfig task, TrainConfig train,
                               EvalConfig eval, @Nullable SweepConfig sweep) {

    public ExperimentConfig {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must be a non-empty string");
        }
        if (models == null || models.isEmpty()) {
            throw new IllegalArgumentException("models must list at least one model");
        }
        models = List.copyOf(models);
        Set<String> names = new HashSet<>();
        for (ModelConfig m : models) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("two models are named '" + m.name() + "'; give each a distinct name");
            }
        }
        if (task == null || train == null || eval == null) {
            throw new IllegalArgumentException("task, train and eval must all be present");
        }
        if (train.initFrom() != null && models.size() > 1) {
            throw new IllegalArgumentException("train.init_from names one checkpoint, so it needs a config of one model, got "
                    + models.size() + " models");
        }
        if (eval.lengths().isEmpty()) {
            throw new IllegalArgumentException("eval.lengths must be resolved (non-empty)");
        }
    }

    @JsonCreator
    static ExperimentConfig fromYaml(@JsonProperty(value = "name", required = true) String name,
                                     @JsonProperty("model") ModelConfig model,
                                     @JsonProperty("models") List<ModelConfig> models,
                                     @JsonProperty(value = "task", required = true) TaskConfig task,
                                     @JsonProperty(value = "train", required = true) TrainConfig train,
                                     @JsonProperty("eval") EvalConfig eval,
                                     @JsonProperty("sweep") SweepConfig sweep) {
        if ((model == null) == (models == null)) {
            throw new IllegalArgumentException("give exactly one of 'model' (one model) and 'models' (a list)");
        }
        EvalConfig resolvedEval = (eval != null ? eval : EvalConfig.defaults(task.length())).withDefaultLengths(task.length());
        return new ExperimentConfig(name, model != null ? List.of(model) : models, task, train, resolvedEval, sweep);
    }

    /** The only model, for commands that train one model. */
    public ModelConfig singleModel() {
        if (models.size() != 1) {
            throw new IllegalArgumentException("experiment '" + name + "' has " + models.size() + " models "
                    + models.stream().map(ModelConfig::name).toList() + "; train takes one (use compare for several)");
        }
        return models.getFirst();
    }

    /** This experiment restricted to one of its models. */
    public ExperimentConfig withOnlyModel(ModelConfig model) {
        return new ExperimentConfig(name, List.of(model), task, train, eval, sweep);
    }
}
