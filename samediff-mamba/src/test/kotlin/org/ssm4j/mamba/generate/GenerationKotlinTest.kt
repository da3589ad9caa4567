package org.ssm4j.mamba.generate

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.nd4j.linalg.api.buffer.DataType
import org.ssm4j.mamba.hf.HuggingFaceCheckpoint
import org.ssm4j.mamba.tokenizer.ByteTokenizer
import org.ssm4j.mamba.tokenizer.StreamingDecoder
import org.ssm4j.safetensors.SafetensorsFile
import org.ssm4j.testing.SharedData

/** Generation as Kotlin code uses it: a trailing lambda for streaming, withers for options, use {} for closing. */
class GenerationKotlinTest {

    private fun reference(name: String): IntArray =
        SafetensorsFile.open(SharedData.mambaTiny().resolve("reference.safetensors")).use { file ->
            file.readLongs(name).map { it.toInt() }.toIntArray()
        }

    @Test
    fun greedyStreamingSamplingAndBatches() {
        val prompt = reference("generate.prompt")
        val expected = reference("generate.ids")
        val weights = HuggingFaceCheckpoint.read(SharedData.mambaTiny(), DataType.FLOAT)
        RecurrentMamba.create(weights).use { model ->
            val generator = Generator(model)

            val streamed = mutableListOf<Int>()
            val text = StreamingDecoder(ByteTokenizer.INSTANCE)
            val pieces = StringBuilder()
            val result = generator.generate(prompt, GenerationOptions.greedy(expected.size - prompt.size)) { _, token ->
                streamed += token
                pieces.append(text.push(token))
            }
            pieces.append(text.flush())
            assertArrayEquals(expected, result.sequences()[0])
            assertEquals(expected.drop(prompt.size), streamed)
            assertEquals(ByteTokenizer.INSTANCE.decode(result.newTokens(0)), pieces.toString())

            val sampling = SamplingOptions.temperature(0.9f).withTopK(20).withTopP(0.9f).withSeed(3)
            val options = GenerationOptions.greedy(10).withSampling(sampling)
            val first = generator.generate(prompt, options).sequences()[0]
            val again = generator.generate(prompt, options).sequences()[0]
            assertArrayEquals(first, again)

            val batch = generator.generate(listOf(prompt, prompt.copyOf(3)), GenerationOptions.greedy(5), TokenListener.NONE)
            assertArrayEquals(generator.generate(prompt.copyOf(3), GenerationOptions.greedy(5)).sequences()[0],
                batch.sequences()[1])
        }
    }
}
