/**
 * Arrow IPC files: {@link org.ssm4j.datasets.arrow.ArrowDatasetWriter} writes them through a
 * temporary file; {@link org.ssm4j.datasets.arrow.MappedArrowFile} memory-maps them and wraps
 * the mapped bytes as Arrow vectors without copying them (Arrow Java's own
 * {@code ArrowFileReader} copies every record batch into allocator memory).
 */
@NullMarked
package org.ssm4j.datasets.arrow;

import org.jspecify.annotations.NullMarked;
