/**
 * Images from IDX files (MNIST, Fashion-MNIST): {@link org.ssm4j.datasets.image.IdxFile} parses
 * them, {@link org.ssm4j.datasets.image.IdxConverter} writes Arrow files,
 * {@link org.ssm4j.datasets.image.ImageDataset} maps them back and
 * {@link org.ssm4j.datasets.image.ImageBatches} batches them for classification.
 */
@NullMarked
package org.ssm4j.datasets.image;

import org.jspecify.annotations.NullMarked;
