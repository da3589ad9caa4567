/**
 * Audio from WAV files in the Free Spoken Digit Dataset layout: {@link
 * org.ssm4j.datasets.audio.WavFile} parses 16-bit mono PCM, {@link
 * org.ssm4j.datasets.audio.Resampler} changes the sample rate (Kaiser-windowed sinc), {@link
 * org.ssm4j.datasets.audio.WavConverter} writes Arrow files, {@link
 * org.ssm4j.datasets.audio.AudioDataset} maps them back and {@link
 * org.ssm4j.datasets.audio.AudioBatches} pads them into batches with masks.
 */
@NullMarked
package org.ssm4j.datasets.audio;

import org.jspecify.annotations.NullMarked;
