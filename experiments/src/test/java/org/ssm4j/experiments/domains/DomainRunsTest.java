package org.ssm4j.experiments.domains;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.experiments.ExperimentRunner;
import org.ssm4j.experiments.classify.ClassificationTask;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.monitor.SelectivityReport;
import org.ssm4j.experiments.report.RunReport;
import org.ssm4j.experiments.report.RunSummary;
import org.ssm4j.experiments.sweep.LengthSweep;
import org.ssm4j.experiments.sweep.SweepPoint;
import org.ssm4j.experiments.train.Checkpoint;
import org.ssm4j.experiments.train.MetricsLog;
import org.ssm4j.experiments.train.Trainer;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.mamba.hf.HuggingFaceCheckpoint;
import org.ssm4j.safetensors.DType;
import org.ssm4j.testing.SharedData;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each domain's experiment end to end at a seconds-long scale, for Mamba and the Transformer:
 * real data prepared on the fly, training (the loss goes down), evaluation, the report with the
 * domain's plots, Δ selectivity for Mamba, the context-length sweep, and the trained Mamba LM
 * exported as a Hugging Face checkpoint that generation loads.
 */
class DomainRunsTest {

    private static final String TRANSFORMER = "{type: transformer, d_model: 32, n_layers: 1, n_heads: 2}";
    private static final String MAMBA = "{type: mamba, d_model: 32, n_layers: 1, d_state: 8}";

    @TempDir
    static Path cache;

    @TempDir
    Path runDir;

    static ExperimentConfig config(String file, String model) throws IOException {
        try (InputStream in = DomainRunsTest.class.getResourceAsStream("/configs/" + file)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("MODEL", model)
                    .replace("DATA_DIR", SharedData.datasets().toString())
                    .replace("CACHE_DIR", cache.toString());
            return ConfigLoader.parse(text, file);
        }
    }

    private static RunSummary trainAndCheck(ExperimentConfig config, Path runDir, String domainPlot) {
        RunSummary summary = ExperimentRunner.run(config, runDir, false, List.of());
        List<ObjectNode> records = MetricsLog.read(runDir.resolve(MetricsLog.FILE_NAME));
        double[] losses = records.stream().filter(r -> r.path("type").asText().equals("train"))
                .mapToDouble(r -> r.path("loss").asDouble()).toArray();
        assertEquals(config.train().steps(), losses.length);
        double first = Arrays.stream(losses, 0, 10).average().orElseThrow();
        double last = Arrays.stream(losses, losses.length - 10, losses.length).average().orElseThrow();
        assertTrue(last < first - 0.05, "mean loss of the first and last 10 steps: " + first + " and " + last);
        assertEquals(config.eval().lengths().size(), summary.evaluations().size());
        summary.evaluations().forEach(e -> assertFalse(e.wasSkipped(), e.toString()));
        for (String png : new String[]{RunReport.LOSS_PNG, domainPlot}) {
            assertTrue(Files.exists(runDir.resolve(png)), png);
        }
        // Mamba and its LTI ablation report Δ (the LTI's is the same at every position); a Transformer has none.
        boolean ssm = !config.singleModel().type().equals("transformer");
        for (String file : new String[]{SelectivityReport.FILE_NAME, SelectivityReport.HEATMAP_PNG, SelectivityReport.STATS_PNG}) {
            assertEquals(ssm, Files.exists(runDir.resolve(file)), file);
        }
        return summary;
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "mnist-patches-tiny.yaml;" + TRANSFORMER,
            "mnist-patches-tiny.yaml;{type: mamba, d_model: 32, n_layers: 1, d_state: 8, bidirectional: true}",
            "fsdd-frames-tiny.yaml;" + TRANSFORMER,
            "fsdd-frames-tiny.yaml;" + MAMBA})
    void classifiesImagesAndRecordings(String file, String model) throws IOException {
        ExperimentConfig config = config(file, model);
        trainAndCheck(config, runDir, ClassificationTask.ACCURACY_CURVE_PNG);
        String report = Files.readString(runDir.resolve(RunReport.FILE_NAME));
        assertTrue(report.contains("## Test accuracy during training"), report);
    }

    @Test
    void transformerLanguageModelReportsBitsPerByteAndTheLengthSweep() throws IOException {
        ExperimentConfig config = config("shakespeare-bytes-tiny.yaml", TRANSFORMER);
        trainAndCheck(config, runDir, ByteLanguageModelTask.BITS_PER_BYTE_PNG);
        LengthSweep.Measured sweep = LengthSweep.read(runDir);
        assertEquals(List.of(32), sweep.points().stream().map(SweepPoint::length).toList());
        for (SweepPoint p : sweep.points()) {
            assertFalse(p.wasSkipped(), p.toString());
            assertEquals(64 / p.length(), p.batch());
            assertTrue(p.secondsPerStep() > 0 && p.peakResidentBytes() > 0 && p.stepBytes() >= 0, p.toString());
        }
        assertTrue(Files.exists(runDir.resolve(LengthSweep.THROUGHPUT_PNG)));
        String report = Files.readString(runDir.resolve(RunReport.FILE_NAME));
        assertTrue(report.contains("## Bits per byte") && report.contains("## Context-length sweep"), report);
        assertFalse(report.contains("## Generated text"), "only a Mamba generates");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.read(Trainer.checkpointFile(runDir)).mambaWeights());
        assertTrue(e.getMessage().contains("transformer"), e.getMessage());
    }

    @Test
    void ltiLanguageModelReportsWithoutGeneratedText() throws IOException {
        ExperimentConfig config = config("shakespeare-bytes-tiny.yaml", "{type: lti, d_model: 32, n_layers: 1, d_state: 8}");
        config = new ExperimentConfig(config.name(), config.models(), config.task(), config.train(), config.eval(), null);
        trainAndCheck(config, runDir, ByteLanguageModelTask.BITS_PER_BYTE_PNG);
        String report = Files.readString(runDir.resolve(RunReport.FILE_NAME));
        assertTrue(report.contains("## Bits per byte"), report);
        assertFalse(report.contains("## Generated text"), "recurrent generation needs selective mixers");
    }

    @Test
    void mambaLanguageModelExportsToHuggingFaceAndGenerates() throws IOException {
        ExperimentConfig config = config("shakespeare-bytes-tiny.yaml", MAMBA);
        config = new ExperimentConfig(config.name(), config.models(), config.task(), config.train(), config.eval(), null);
        trainAndCheck(config, runDir, ByteLanguageModelTask.BITS_PER_BYTE_PNG);
        String report = Files.readString(runDir.resolve(RunReport.FILE_NAME));
        assertTrue(report.contains("## Generated text") && report.contains("## Selectivity of Δ"), report);

        Path checkpointFile = Trainer.checkpointFile(runDir);
        assertTrue(Checkpoint.isCheckpoint(checkpointFile));
        assertFalse(Checkpoint.isCheckpoint(runDir.resolve(RunReport.FILE_NAME)));
        MambaWeights trained = Checkpoint.read(checkpointFile).mambaWeights();
        assertEquals(256, trained.config().vocabSize());
        Path hf = runDir.resolve("hf");
        HuggingFaceCheckpoint.write(trained, hf, DType.F32);
        MambaWeights loaded = HuggingFaceCheckpoint.read(hf, DataType.FLOAT);
        assertEquals(trained.config(), loaded.config());
        for (String name : trained.tensors().keySet()) {
            INDArray a = trained.get(name);
            assertArrayEquals(a.dup().data().asFloat(), loaded.get(name).dup().data().asFloat(), 0f, name);
        }
    }

}
