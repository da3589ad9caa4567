/**
 * Datasets for ssm4j as Apache Arrow IPC files: converters from raw formats (text, IDX images,
 * WAV audio) with a dataset card beside each output, memory-mapped readers, and seeded,
 * resumable batch sources that feed a trainer with ND4J arrays.
 *
 * <p>The training-facing API is {@link org.ssm4j.datasets.BatchSource}: {@code next()} gives a
 * {@link org.ssm4j.datasets.Batch}, {@code state()}/{@code restore(...)} checkpoint the position
 * as an {@link org.ssm4j.datasets.IteratorState}. Sub-packages: {@code arrow} (writer and
 * memory-mapped reader), {@code text}, {@code image}, {@code audio}.
 */
@NullMarked
package org.ssm4j.datasets;

import org.jspecify.annotations.NullMarked;
