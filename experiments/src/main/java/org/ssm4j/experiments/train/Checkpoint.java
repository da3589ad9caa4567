package org.ssm4j.experiments.train;

import org.jspecify.annotations.Nullable;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.config.SsmConfig;
import org.ssm4j.experiments.config.TaskConfig;
import org.ssm4j.experiments.models.MambaSequenceModel;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.experiments.tasks.TaskStream;
import org.ssm4j.safetensors.SafetensorsFile;
import org.ssm4j.safetensors.SafetensorsWriter;
import org.ssm4j.safetensors.TensorInfo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a run needs to continue exactly where it stopped, or to be evaluated later:
 * the resolved config, the step, the weights, AdamW's moments, the data stream's state (its
 * generator state is the run's only random state after initialisation), early stopping's
 * state and the time and tokens spent so far.
 *
 * <p>Stored as one safetensors file, written atomically: tensors {@code param.NAME},
 * {@code adam_m.NAME} and {@code adam_v.NAME}, and the rest as JSON in the metadata entry
 * {@value #METADATA_KEY}.
 *
 * @param config        the run's resolved config (one model)
 * @param step          optimiser steps completed
 * @param finished      whether training is over (all steps done or stopped early)
 * @param stopReason    why training stopped early, or null
 * @param parameters    the weights by name
 * @param firstMoments  AdamW's m by name
 * @param secondMoments AdamW's v by name
 * @param stream        the training data stream's state
 * @param earlyStopping early stopping's state
 * @param trainSeconds  wall-clock seconds spent in training steps so far
 * @param tokens        tokens trained on so far
 * @param carriedStates the recurrent states the next micro-batch starts from, by placeholder
 *                      name ({@code train.state_passing}; empty without it)
 */
public record Checkpoint(ExperimentConfig config, int step, boolean finished, @Nullable String stopReason,
                         Map<String, INDArray> parameters, Map<String, INDArray> firstMoments,
                         Map<String, INDArray> secondMoments, TaskStream.State stream,
                         EarlyStopping.State earlyStopping, double trainSeconds, long tokens,
                         Map<String, INDArray> carriedStates) {

    /** Name of the metadata entry holding the non-tensor state. */
    public static final String METADATA_KEY = "ssm4j.checkpoint";
    /** Version of the layout; files of another version are refused. */
    public static final int FORMAT_VERSION = 1;

    private static final String PARAM = "param.";
    private static final String FIRST_MOMENT = "adam_m.";
    private static final String SECOND_MOMENT = "adam_v.";
    private static final String CARRIED_STATE = "carried.";

    /** Writes the checkpoint to {@code file} atomically (temporary file, then rename). */
    public void write(Path file) {
        SafetensorsWriter writer = new SafetensorsWriter();
        addAll(writer, PARAM, parameters);
        addAll(writer, FIRST_MOMENT, firstMoments);
        addAll(writer, SECOND_MOMENT, secondMoments);
        addAll(writer, CARRIED_STATE, carriedStates);
        ObjectNode meta = ConfigLoader.json().createObjectNode();
        meta.put("format_version", FORMAT_VERSION);
        meta.put("step", step);
        meta.put("finished", finished);
        meta.put("stop_reason", stopReason);
        meta.put("stream_generator_state", stream.generatorState());
        meta.put("stream_batches_drawn", stream.batchesDrawn());
        // JSON has no infinity: no evaluation yet is written as null.
        if (Double.isFinite(earlyStopping.bestLoss())) {
            meta.put("best_eval_loss", earlyStopping.bestLoss());
        } else {
            meta.putNull("best_eval_loss");
        }
        meta.put("evals_since_best", earlyStopping.evalsSinceBest());
        meta.put("train_seconds", trainSeconds);
        meta.put("tokens", tokens);
        meta.set("config", ConfigLoader.json().valueToTree(config));
        writer.metadata(METADATA_KEY, meta.toString());
        writer.write(file);
    }

    private static void addAll(SafetensorsWriter writer, String prefix, Map<String, INDArray> arrays) {
        arrays.forEach((name, array) -> {
            INDArray dense = array.dup('c');
            switch (array.dataType()) {
                case FLOAT -> writer.addF32(prefix + name, array.shape(), dense.data().asFloat());
                case DOUBLE -> writer.addF64(prefix + name, array.shape(), dense.data().asDouble());
                default -> throw new IllegalArgumentException("cannot checkpoint '" + name + "' of type " + array.dataType()
                        + "; expected FLOAT or DOUBLE");
            }
        });
    }

    /**
     * Reads a checkpoint written by {@link #write}.
     *
     * @throws IllegalArgumentException if the file is missing, not a checkpoint, or of another
     *                                  format version
     */
    public static Checkpoint read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("checkpoint " + file + " does not exist");
        }
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            String json = st.metadata().get(METADATA_KEY);
            if (json == null) {
                throw new IllegalArgumentException(file + " is a safetensors file but not an ssm4j checkpoint (no '"
                        + METADATA_KEY + "' metadata)");
            }
            JsonNode meta = ConfigLoader.json().readTree(json);
            int version = meta.path("format_version").asInt(-1);
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException("checkpoint " + file + " has format version " + version + ", expected "
                        + FORMAT_VERSION);
            }
            ExperimentConfig config = ConfigLoader.fromJson(meta.get("config").toString(), file + " (embedded config)");
            return new Checkpoint(config, meta.get("step").asInt(), meta.get("finished").asBoolean(),
                    meta.get("stop_reason").isNull() ? null : meta.get("stop_reason").asText(),
                    readAll(st, PARAM), readAll(st, FIRST_MOMENT), readAll(st, SECOND_MOMENT),
                    new TaskStream.State(meta.get("stream_generator_state").asLong(), meta.get("stream_batches_drawn").asLong()),
                    new EarlyStopping.State(meta.get("best_eval_loss").isNull() ? Double.POSITIVE_INFINITY
                            : meta.get("best_eval_loss").asDouble(), meta.get("evals_since_best").asInt()),
                    meta.get("train_seconds").asDouble(), meta.get("tokens").asLong(), readAll(st, CARRIED_STATE));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("checkpoint " + file + " has unreadable metadata: " + e.getOriginalMessage(), e);
        }
    }

    private static Map<String, INDArray> readAll(SafetensorsFile st, String prefix) {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        for (TensorInfo info : st.tensors().values()) {
            if (!info.name().startsWith(prefix)) {
                continue;
            }
            String name = info.name().substring(prefix.length());
            INDArray array = switch (info.dtype()) {
                case F32 -> Nd4j.create(st.readFloats(info.name()), info.shape(), 'c');
                case F64 -> Nd4j.create(st.readDoubles(info.name()), info.shape(), 'c');
                default -> throw new IllegalArgumentException("checkpoint tensor '" + info.name() + "' has dtype " + info.dtype()
                        + "; expected F32 or F64");
            };
            arrays.put(name, array);
        }
        return arrays;
    }

    /**
     * Opens {@code task} with the checkpoint's model, holding the checkpoint's weights: the
     * trained model, ready to be evaluated on its own task (at another length, say) or on
     * another task that reads and predicts the same things.
     *
     * @param context the run settings; its model is replaced by the checkpoint's
     * @throws IllegalArgumentException if the task's model does not have the checkpoint's parameters
     */
    public TrainingTask openTask(TaskConfig task, TaskContext context) {
        TrainingTask opened = task.open(new TaskContext(config.singleModel(), context.seed(), context.evalBatchSize(),
                context.maxForwardBytes(), context.runDir()));
        try {
            copyParameters(parameters, opened.model().parameters(), "checkpoint of step " + step);
            return opened;
        } catch (RuntimeException e) {
            opened.close();
            throw e;
        }
    }

    /**
     * The weights of a checkpoint of a Mamba language model (a byte-level or synthetic-task
     * run), as samediff-mamba's: what its Hugging Face export ({@code ./mamba export}) and
     * recurrent generation ({@code ./mamba generate}) take.
     *
     * @throws IllegalArgumentException if the checkpoint is of another model or of a classifier
     */
    public MambaWeights mambaWeights() {
        if (!(config.singleModel() instanceof SsmConfig ssm) || !ssm.selective() || ssm.bidirectional()) {
            throw new IllegalArgumentException("the checkpoint is of a " + config.singleModel().type() + " model '"
                    + config.singleModel().name() + "'; only a causal Mamba language model has Mamba weights");
        }
        return MambaSequenceModel.weights(ssm, parameters);
    }

    /** Whether {@code file} is a regular file holding a checkpoint written by {@link #write} (its metadata says so). */
    public static boolean isCheckpoint(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            return st.metadata().containsKey(METADATA_KEY);
        } catch (RuntimeException notSafetensors) {
            return false;
        }
    }

    /**
     * Copies the checkpoint's weights into {@code target} (a model's live parameters), checking
     * that names, shapes and types match.
     */
    public static void copyParameters(Map<String, INDArray> saved, Map<String, INDArray> target, String source) {
        copyArrays("parameter", saved, target, source);
    }

    /**
     * Copies checkpointed arrays into {@code target}'s arrays, checking that names, shapes and
     * types match.
     *
     * @param kind   what the arrays are ("parameter", "carried state"), for messages
     * @param source where {@code saved} comes from, for messages
     */
    static void copyArrays(String kind, Map<String, INDArray> saved, Map<String, INDArray> target, String source) {
        if (!saved.keySet().equals(target.keySet())) {
            throw new IllegalArgumentException("checkpoint " + source + " has " + kind + "s " + saved.keySet()
                    + " but the model has " + target.keySet());
        }
        target.forEach((name, array) -> {
            INDArray s = saved.get(name);
            if (!Arrays.equals(s.shape(), array.shape()) || s.dataType() != array.dataType()) {
                throw new IllegalArgumentException(kind + " '" + name + "' in " + source + " is " + s.dataType() + " "
                        + Arrays.toString(s.shape()) + ", the model's is " + array.dataType() + " " + Arrays.toString(array.shape()));
            }
            array.assign(s);
        });
    }
}
