package org.ssm4j.mamba

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import org.nd4j.linalg.api.buffer.DataType
import org.ssm4j.testing.SharedData
import java.nio.file.Path

/** The public API as Kotlin code uses it: import, logits and score, save, load. */
class MambaLMKotlinTest {

    @Test
    fun importScoreSaveLoad(@TempDir dir: Path) {
        val lm = MambaLM.load(SharedData.mambaTiny())
        val config: MambaConfig = lm.config()
        assertEquals(64, config.hiddenSize)
        assertEquals(DataType.FLOAT, lm.dataType())

        val ids = longArrayOf(72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100)
        val logits = lm.logits(*ids)
        assertArrayEquals(longArrayOf(ids.size.toLong(), config.paddedVocabSize().toLong()), logits.shape())
        val score: Score = lm.score(*ids)
        assertEquals(ids.size - 1L, score.tokens)
        assertEquals(Math.exp(score.loss), score.perplexity, 1e-9)

        val file = dir.resolve("tiny.zip")
        lm.save(file)
        val loaded = MambaLM.load(file)
        assertEquals(config, loaded.config())
        assertEquals(score.loss, loaded.score(*ids).loss, 1e-6)

        val problem = assertThrows<IllegalArgumentException> { loaded.score(1, 2, 999) }
        assertTrue(problem.message!!.contains("input id 999"), problem.message)
    }

    @Test
    fun configBuilderFromKotlin() {
        val config = MambaConfig.builder()
            .vocabSize(300)
            .hiddenSize(32)
            .numHiddenLayers(2)
            .eosTokenId(null)
            .build()
        assertEquals(64, config.intermediateSize)
        assertEquals(2, config.timeStepRank)
        assertEquals(null, config.eosTokenId)
        val lm = MambaLM.initialize(config, DataType.FLOAT, 1L)
        assertEquals(MambaParameters.of(config).count(), lm.parameterCount())
        assertTrue(lm.noWeightDecay().contains("backbone.layers.1.mixer.A_log"))
    }
}
