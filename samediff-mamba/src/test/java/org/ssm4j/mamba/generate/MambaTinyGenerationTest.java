package org.ssm4j.mamba.generate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.mamba.hf.HuggingFaceCheckpoint;
import org.ssm4j.safetensors.SafetensorsFile;
import org.ssm4j.testing.SharedData;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Recurrent generation on the mamba-tiny fixture against Hugging Face's reference outputs. */
class MambaTinyGenerationTest {

    private static RecurrentMamba model;
    private static SafetensorsFile reference;

    @BeforeAll
    static void load() {
        MambaWeights weights = HuggingFaceCheckpoint.read(SharedData.mambaTiny(), DataType.FLOAT);
        model = RecurrentMamba.create(weights, RecurrentMamba.Options.defaults().withThreads(2));
        reference = SafetensorsFile.open(SharedData.mambaTiny().resolve("reference.safetensors"));
    }

    @AfterAll
    static void close() {
        model.close();
        reference.close();
    }

    private static int[] ints(String name) {
        return Arrays.stream(reference.readLongs(name)).mapToInt(Math::toIntExact).toArray();
    }

    @Test
    void greedyGenerationGivesTheReferenceIdsAndStepLogits() {
        int[] prompt = ints("generate.prompt");
        int[] expected = ints("generate.ids");
        int newTokens = expected.length - prompt.length;
        List<float[]> logits = new ArrayList<>();
        RecurrentState state = model.newState(1);
        logits.add(model.prefill(state, 0, prompt));
        int[] ids = Arrays.copyOf(prompt, expected.length);
        for (int t = 0; t < newTokens; t++) {
            ids[prompt.length + t] = Sampler.argmax(logits.get(t));
            if (t + 1 < newTokens) {
                logits.add(model.step(state, new int[]{0}, new int[]{ids[prompt.length + t]})[0]);
            }
        }
        assertArrayEquals(expected, ids);
        float[] referenceLogits = reference.readFloats("generate.step_logits");
        int vocab = model.vocabSize();
        for (int t = 0; t < newTokens; t++) {
            float[] want = Arrays.copyOfRange(referenceLogits, t * vocab, (t + 1) * vocab);
            assertRelativeError(want, logits.get(t), 1e-4, "step " + t);
        }

        GenerationResult viaGenerator = new Generator(model).generate(prompt, GenerationOptions.greedy(newTokens));
        assertArrayEquals(expected, viaGenerator.sequences().get(0));
        assertEquals(GenerationResult.FinishReason.MAX_NEW_TOKENS, viaGenerator.finishReasons().get(0));
    }

    @Test
    void fullSequenceLogitsMatchTheReference() {
        int[] all = ints("input_ids");
        int length = all.length / 2;
        float[] referenceLogits = reference.readFloats("logits");
        int vocab = model.vocabSize();
        for (int b = 0; b < 2; b++) {
            float[][] logits = model.logitsAtEveryPosition(Arrays.copyOfRange(all, b * length, (b + 1) * length));
            float[] flat = new float[length * vocab];
            for (int t = 0; t < length; t++) {
                System.arraycopy(logits[t], 0, flat, t * vocab, vocab);
            }
            float[] want = Arrays.copyOfRange(referenceLogits, b * length * vocab, (b + 1) * length * vocab);
            assertRelativeError(want, flat, 1e-4, "sequence " + b);
        }
    }

    @Test
    void stepsGiveTheFullSequenceLogitsAndStates() {
        int[] tokens = Arrays.copyOf(ints("input_ids"), 33);
        float[][] full = model.logitsAtEveryPosition(tokens);
        RecurrentState stepped = model.newState(1);
        for (int t = 0; t < tokens.length; t++) {
            float[] logits = t == 0 ? model.prefill(stepped, 0, new int[]{tokens[0]})
                    : model.step(stepped, new int[]{0}, new int[]{tokens[t]})[0];
            assertRelativeError(full[t], logits, 1e-5, "position " + t);
        }
        RecurrentState prefilled = model.newState(1);
        model.prefill(prefilled, 0, tokens);
        assertEquals(tokens.length, prefilled.position(0));
        for (int l = 0; l < model.config().numHiddenLayers(); l++) {
            assertArrayEquals(stepped.convState(l, 0), prefilled.convState(l, 0), 1e-6f, "conv state, layer " + l);
            assertRelativeError(stepped.ssmState(l, 0), prefilled.ssmState(l, 0), 1e-5, "ssm state, layer " + l);
        }
    }

    @Test
    void batchedPromptsOfDifferentLengthsGiveTheSingleRunIds() {
        int[] all = ints("input_ids");
        List<int[]> prompts = List.of(Arrays.copyOfRange(all, 0, 5), Arrays.copyOfRange(all, 33, 50),
                Arrays.copyOfRange(all, 10, 11));
        GenerationOptions options = GenerationOptions.greedy(12);
        Generator generator = new Generator(model);
        List<List<Integer>> streamed = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        GenerationResult batched = generator.generate(prompts, options, (seq, token) -> streamed.get(seq).add(token));
        for (int i = 0; i < prompts.size(); i++) {
            GenerationResult single = generator.generate(prompts.get(i), options);
            assertArrayEquals(single.sequences().get(0), batched.sequences().get(i), "sequence " + i);
            assertArrayEquals(batched.newTokens(i), streamed.get(i).stream().mapToInt(Integer::intValue).toArray());
        }
    }

    @Test
    void generationStopsAtAStopToken() {
        int[] prompt = ints("generate.prompt");
        int[] expected = ints("generate.ids");
        int stop = expected[prompt.length + 1];
        int end = prompt.length;
        while (expected[end] != stop) {
            end++;
        }
        GenerationResult result = new Generator(model).generate(prompt, GenerationOptions.greedy(16).withStopTokens(stop));
        assertArrayEquals(Arrays.copyOf(expected, end + 1), result.sequences().get(0));
        assertEquals(GenerationResult.FinishReason.STOP_TOKEN, result.finishReasons().get(0));
    }

    @Test
    void bfloat16StepsStayCloseToTheReference() {
        MambaWeights weights = HuggingFaceCheckpoint.read(SharedData.mambaTiny(), DataType.FLOAT);
        try (RecurrentMamba bf16 = RecurrentMamba.create(weights,
                RecurrentMamba.Options.defaults().withThreads(2).withStepPrecision(StepPrecision.BFLOAT16))) {
            int[] prompt = ints("generate.prompt");
            int[] expected = ints("generate.ids");
            float[] referenceLogits = reference.readFloats("generate.step_logits");
            int vocab = bf16.vocabSize();
            RecurrentState state = bf16.newState(1);
            float[] logits = bf16.prefill(state, 0, prompt);
            for (int t = 0; t + prompt.length < expected.length; t++) {
                float[] want = Arrays.copyOfRange(referenceLogits, t * vocab, (t + 1) * vocab);
                assertRelativeError(want, logits, 1e-2, "bfloat16 step " + t);
                // Teacher forcing: feed the reference's token, so that every step is compared.
                logits = bf16.step(state, new int[]{0}, new int[]{expected[prompt.length + t]})[0];
            }
        }
    }

    @Test
    void badTokensAndSequencesAreRejected() {
        RecurrentState state = model.newState(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.prefill(state, 0, new int[]{1, 256}));
        assertTrue(e.getMessage().contains("256") && e.getMessage().contains("[0, 256)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.prefill(state, 2, new int[]{1}));
        assertThrows(IllegalArgumentException.class, () -> model.prefill(state, 0, new int[0]));
        assertThrows(IllegalArgumentException.class, () -> model.step(state, new int[]{0, 0}, new int[]{1, 2}));
        assertThrows(IllegalArgumentException.class, () -> model.step(state, new int[]{0}, new int[]{-1}));
    }

    static void assertRelativeError(float[] want, float[] got, double tolerance, String what) {
        assertEquals(want.length, got.length, what + ": length");
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < want.length; i++) {
            diff += (got[i] - (double) want[i]) * (got[i] - (double) want[i]);
            norm += (double) want[i] * want[i];
        }
        double relative = Math.sqrt(diff / norm);
        assertTrue(relative < tolerance, what + ": relative error " + relative + " >= " + tolerance);
    }
}
