package org.ssm4j.mamba.hf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.safetensors.DType;
import org.ssm4j.safetensors.SafetensorsFile;
import org.ssm4j.safetensors.SafetensorsWriter;
import org.ssm4j.testing.SharedData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HuggingFaceCheckpointTest {

    private static final Path TINY = SharedData.mambaTiny();

    @Test
    void readsEveryFixtureTensorExactly() {
        MambaWeights w = HuggingFaceCheckpoint.read(TINY, DataType.FLOAT);
        assertEquals(DataType.FLOAT, w.dataType());
        try (SafetensorsFile f = SafetensorsFile.open(TINY.resolve("model.safetensors"))) {
            assertEquals(f.tensors().keySet(), w.tensors().keySet());
            for (String name : f.tensors().keySet()) {
                assertArrayEquals(f.info(name).shape(), w.get(name).shape(), name);
                assertArrayEquals(f.readFloats(name), w.get(name).dup('c').data().asFloat(), name);
            }
        }
        assertEquals(MambaParameters.of(w.config()).count(), w.parameterCount());
        assertTrue(w.lmHead() == w.get(MambaParameters.EMBEDDINGS));
        MambaWeights d = HuggingFaceCheckpoint.read(TINY, DataType.DOUBLE);
        assertEquals(DataType.DOUBLE, d.dataType());
        assertEquals(w.get("backbone.layers.1.mixer.A_log").castTo(DataType.DOUBLE), d.get("backbone.layers.1.mixer.A_log"));
    }

    @Test
    void exportReadsBackIdenticallyAndMatchesTheHuggingFaceLayout(@TempDir Path dir) throws IOException {
        MambaWeights w = HuggingFaceCheckpoint.read(TINY, DataType.FLOAT);
        HuggingFaceCheckpoint.write(w, dir, DType.F32);
        MambaWeights back = HuggingFaceCheckpoint.read(dir, DataType.FLOAT);
        assertEquals(w.config(), back.config());
        assertSameTensors(w, back);
        try (SafetensorsFile ours = SafetensorsFile.open(dir.resolve("model.safetensors"));
             SafetensorsFile theirs = SafetensorsFile.open(TINY.resolve("model.safetensors"))) {
            assertEquals(theirs.metadata(), ours.metadata());
            for (String name : theirs.tensors().keySet()) {
                assertEquals(theirs.info(name).dtype(), ours.info(name).dtype(), name);
                assertArrayEquals(theirs.info(name).shape(), ours.info(name).shape(), name);
            }
            assertEquals(theirs.tensors().keySet(), ours.tensors().keySet());
        }
        String json = Files.readString(dir.resolve("config.json"));
        assertTrue(json.contains("\"architectures\" : [ \"MambaForCausalLM\" ]"), json);
        assertTrue(json.contains("\"dtype\" : \"float32\""), json);
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "only config.json and model.safetensors, no temporary files");
        }
    }

    @Test
    void convertsReducedPrecisionCheckpointsToTheModelType(@TempDir Path dir) {
        MambaWeights w = HuggingFaceCheckpoint.read(TINY, DataType.FLOAT);
        for (DType storage : new DType[]{DType.BF16, DType.F16}) {
            Path sub = dir.resolve(storage.name());
            HuggingFaceCheckpoint.write(w, sub, storage);
            MambaWeights low = HuggingFaceCheckpoint.read(sub, DataType.FLOAT);
            double tolerance = storage == DType.BF16 ? 1.0 / 256 : 1.0 / 2048;
            for (Map.Entry<String, INDArray> e : w.tensors().entrySet()) {
                INDArray got = low.get(e.getKey());
                double err = got.sub(e.getValue()).norm2Number().doubleValue() / e.getValue().norm2Number().doubleValue();
                assertTrue(err < tolerance, storage + " " + e.getKey() + " relative error " + err);
            }
            HuggingFaceCheckpoint.write(low, sub.resolve("again"), storage);
            // values read back are exactly representable, so a second round trip is lossless
            assertSameTensors(low, HuggingFaceCheckpoint.read(sub.resolve("again"), DataType.FLOAT));
        }
    }

    @Test
    void readsShardedCheckpoints(@TempDir Path dir) throws IOException {
        Files.copy(TINY.resolve("config.json"), dir.resolve("config.json"));
        MambaWeights w = HuggingFaceCheckpoint.read(TINY, DataType.FLOAT);
        SafetensorsWriter first = new SafetensorsWriter().metadata("format", "pt");
        SafetensorsWriter second = new SafetensorsWriter().metadata("format", "pt");
        StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        int i = 0;
        for (Map.Entry<String, INDArray> e : w.tensors().entrySet()) {
            boolean inFirst = i++ % 2 == 0;
            (inFirst ? first : second).addF32(e.getKey(), e.getValue().shape(), e.getValue().dup('c').data().asFloat());
            index.append(i > 1 ? "," : "").append('"').append(e.getKey()).append("\": \"model-0000")
                    .append(inFirst ? 1 : 2).append("-of-00002.safetensors\"");
        }
        first.write(dir.resolve("model-00001-of-00002.safetensors"));
        second.write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.append("}}").toString());
        assertSameTensors(w, HuggingFaceCheckpoint.read(dir, DataType.FLOAT));

        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"backbone.norm_f.weight\": \"model-00003-of-00002.safetensors\"}}");
        var e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceCheckpoint.read(dir, DataType.FLOAT));
        assertTrue(e.getMessage().contains("names shard model-00003-of-00002.safetensors (for tensor "
                + "'backbone.norm_f.weight'), which does not exist"), e.getMessage());
    }

    @Test
    void namesMissingMisshapedAndUnexpectedTensors(@TempDir Path dir) throws IOException {
        Files.copy(TINY.resolve("config.json"), dir.resolve("config.json"));
        MambaWeights w = HuggingFaceCheckpoint.read(TINY, DataType.FLOAT);
        SafetensorsWriter writer = new SafetensorsWriter();
        for (Map.Entry<String, INDArray> e : w.tensors().entrySet()) {
            String name = e.getKey();
            if (name.equals("backbone.layers.1.mixer.D")) {
                continue;
            }
            long[] shape = name.equals("backbone.layers.0.mixer.x_proj.weight") ? new long[]{128, 36} : e.getValue().shape();
            writer.addF32(name, shape, e.getValue().dup('c').data().asFloat());
        }
        writer.addF32("backbone.layers.0.mixer.in_proj.bias", new long[]{256}, new float[256]);
        writer.write(dir.resolve("model.safetensors"));
        String message = assertThrows(IllegalArgumentException.class,
                () -> HuggingFaceCheckpoint.read(dir, DataType.FLOAT)).getMessage();
        assertTrue(message.contains("missing tensor 'backbone.layers.1.mixer.D' (expected shape [128])"), message);
        assertTrue(message.contains("tensor 'backbone.layers.0.mixer.x_proj.weight' has shape [128, 36]; the config "
                + "needs [36, 128]"), message);
        assertTrue(message.contains("unexpected tensors [backbone.layers.0.mixer.in_proj.bias]"), message);
    }

    @Test
    void acceptsTheMambaSsmEmbeddingNameAndAnEqualTiedHead(@TempDir Path dir) throws IOException {
        Files.copy(TINY.resolve("config.json"), dir.resolve("config.json"));
        MambaWeights w = HuggingFaceCheckpoint.read(TINY, DataType.FLOAT);
        SafetensorsWriter writer = new SafetensorsWriter();
        for (Map.Entry<String, INDArray> e : w.tensors().entrySet()) {
            String name = e.getKey().equals(MambaParameters.EMBEDDINGS) ? "backbone.embedding.weight" : e.getKey();
            writer.addF32(name, e.getValue().shape(), e.getValue().dup('c').data().asFloat());
        }
        INDArray emb = w.get(MambaParameters.EMBEDDINGS);
        float[] head = emb.dup('c').data().asFloat();
        writer.addF32(MambaParameters.LM_HEAD, emb.shape(), head);
        writer.write(dir.resolve("model.safetensors"));
        assertSameTensors(w, HuggingFaceCheckpoint.read(dir, DataType.FLOAT));

        head[7] += 1;
        SafetensorsWriter differs = new SafetensorsWriter();
        for (Map.Entry<String, INDArray> e : w.tensors().entrySet()) {
            differs.addF32(e.getKey(), e.getValue().shape(), e.getValue().dup('c').data().asFloat());
        }
        differs.addF32(MambaParameters.LM_HEAD, emb.shape(), head).write(dir.resolve("model.safetensors"));
        var e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceCheckpoint.read(dir, DataType.FLOAT));
        assertTrue(e.getMessage().contains("lm_head.weight of shape [256, 64] that differs"), e.getMessage());
    }

    @Test
    void rejectsDirectoriesWithoutACheckpoint(@TempDir Path dir) throws IOException {
        var e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceCheckpoint.read(dir, DataType.FLOAT));
        assertTrue(e.getMessage().contains("has no config.json"), e.getMessage());
        Files.copy(TINY.resolve("config.json"), dir.resolve("config.json"));
        Files.writeString(dir.resolve("pytorch_model.bin"), "pickle");
        e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceCheckpoint.read(dir, DataType.FLOAT));
        assertTrue(e.getMessage().contains("pytorch_model.bin, a PyTorch pickle"), e.getMessage());
        assertFalse(HuggingFaceCheckpoint.isCheckpointDirectory(dir.resolve("nothing")));
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceCheckpoint.read(TINY, DataType.HALF));
    }

    /** Same names in the same order, same shapes, bit-identical values. */
    static void assertSameTensors(MambaWeights expected, MambaWeights actual) {
        assertEquals(List.copyOf(expected.tensors().keySet()), List.copyOf(actual.tensors().keySet()));
        for (Map.Entry<String, INDArray> e : expected.tensors().entrySet()) {
            INDArray a = actual.get(e.getKey());
            assertArrayEquals(e.getValue().shape(), a.shape(), e.getKey());
            assertArrayEquals(e.getValue().dup('c').data().asDouble(), a.dup('c').data().asDouble(), e.getKey());
        }
    }

    @Test
    void weightsRejectWrongTensorSets() {
        MambaWeights w = HuggingFaceCheckpoint.read(TINY, DataType.FLOAT);
        MambaConfig untied = w.config().toBuilder().tieWordEmbeddings(false).build();
        var e = assertThrows(IllegalArgumentException.class, () -> new MambaWeights(untied, w.tensors()));
        assertTrue(e.getMessage().contains("missing tensor 'lm_head.weight' of shape [256, 64]"), e.getMessage());
        assertTrue(Arrays.asList(MambaParameters.of(untied).names().toArray()).contains("lm_head.weight"));
    }
}
