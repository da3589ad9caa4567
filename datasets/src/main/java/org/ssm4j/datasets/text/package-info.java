/**
 * Text as token ids: byte-level ({@link org.ssm4j.datasets.text.ByteTokenizer}) or BPE through a
 * Hugging Face {@code tokenizer.json} ({@link org.ssm4j.datasets.text.HuggingFaceBpeTokenizer}),
 * converted to Arrow by {@link org.ssm4j.datasets.text.TextConverter}, read back memory-mapped
 * by {@link org.ssm4j.datasets.text.TokenDataset}, and cut into language-model windows by
 * {@link org.ssm4j.datasets.text.LanguageModelWindows}.
 */
@NullMarked
package org.ssm4j.datasets.text;

import org.jspecify.annotations.NullMarked;
