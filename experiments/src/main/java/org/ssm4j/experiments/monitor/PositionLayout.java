package org.ssm4j.experiments.monitor;

/**
 * How the positions of an input are drawn in a heat map, and the input itself beside it.
 */
public sealed interface PositionLayout permits PositionLayout.Image, PositionLayout.Text, PositionLayout.Audio {

    /** Positions of the input. */
    int length();

    /** Positions holding the input, the rest being padding at the end. */
    default int realLength() {
        return length();
    }

    /**
     * An image cut into a grid of patches (one pixel each for a pixel sequence), in row-major
     * order.
     *
     * @param gridRows  patch rows
     * @param gridCols  patch columns
     * @param pixels    the image's grey values in [0, 1], row by row
     * @param rows      image height
     * @param cols      image width
     */
    record Image(int gridRows, int gridCols, double[] pixels, int rows, int cols) implements PositionLayout {
        public Image {
            if (pixels.length != rows * cols) {
                throw new IllegalArgumentException("image has " + pixels.length + " pixels, expected " + rows + " x " + cols);
            }
        }

        @Override
        public int length() {
            return gridRows * gridCols;
        }
    }

    /**
     * Text, one position per character (byte), wrapped into lines of {@code width}.
     *
     * @param characters one printable label per position
     * @param width      characters per line
     */
    record Text(String[] characters, int width) implements PositionLayout {
        @Override
        public int length() {
            return characters.length;
        }

        /** A printable label for a byte: the character, "↵" for a line feed, "·" for other control bytes. */
        public static String label(int b) {
            if (b == '\n') {
                return "↵";
            }
            if (b < 32 || b == 127) {
                return "·";
            }
            return b < 128 ? String.valueOf((char) b) : "¿";
        }
    }

    /**
     * A recording cut into frames, one position each.
     *
     * @param samples the clip's samples as the model saw them
     * @param frames  positions (frames)
     * @param realFrames frames holding real samples (the rest is padding)
     */
    record Audio(float[] samples, int frames, int realFrames) implements PositionLayout {
        @Override
        public int length() {
            return frames;
        }

        @Override
        public int realLength() {
            return realFrames;
        }
    }
}
