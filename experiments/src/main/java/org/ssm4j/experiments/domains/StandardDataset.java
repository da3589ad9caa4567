package org.ssm4j.experiments.domains;

import java.util.Arrays;
import java.util.List;

/**
 * The public datasets the domain experiments use, by the folder name they have in a data
 * directory (the project's {@code shared/datasets}, or any folder laid out the same way), with
 * what a task needs to know before opening them.
 */
public enum StandardDataset {
    /** char-rnn's tiny-shakespeare: {@code tinyshakespeare/input.txt}, 1,115,394 bytes. */
    TINYSHAKESPEARE("tinyshakespeare", Kind.TEXT, "input.txt", "public domain", 0, 0, 0),
    /** Moby-Dick: {@code moby-dick/moby-dick.txt}, 1,204,997 bytes. */
    MOBY_DICK("moby-dick", Kind.TEXT, "moby-dick.txt", "public domain", 0, 0, 0),
    /** MNIST digits: the four IDX files (gzipped or not), 28 x 28 grey, 10 classes. */
    MNIST("mnist", Kind.IMAGES, "", "Y. LeCun, C. Cortes, C. Burges (MNIST database)", 28, 28, 10),
    /** Fashion-MNIST: the four IDX files, 28 x 28 grey, 10 classes. */
    FASHION_MNIST("fashion-mnist", Kind.IMAGES, "", "MIT (Zalando Research)", 28, 28, 10),
    /** Free Spoken Digit Dataset: {@code fsdd/recordings/{digit}_{speaker}_{index}.wav}, 8 kHz mono, 10 classes. */
    FSDD("fsdd", Kind.AUDIO, "recordings", "CC BY-SA 4.0 (Jakobovski et al.)", 0, 0, 10);

    /** What a dataset holds. */
    public enum Kind {
        /** A text file, read as bytes. */
        TEXT,
        /** Labelled grey images in IDX files. */
        IMAGES,
        /** Labelled 16-bit mono WAV recordings. */
        AUDIO
    }

    private final String folder;
    private final Kind kind;
    private final String input;
    private final String license;
    private final int rows;
    private final int cols;
    private final int classes;

    StandardDataset(String folder, Kind kind, String input, String license, int rows, int cols, int classes) {
        this.folder = folder;
        this.kind = kind;
        this.input = input;
        this.license = license;
        this.rows = rows;
        this.cols = cols;
        this.classes = classes;
    }

    /** Its folder name in a data directory, which is also its name in configs. */
    public String folder() {
        return folder;
    }

    /** What it holds. */
    public Kind kind() {
        return kind;
    }

    /** The file or folder inside {@link #folder()} the converter reads ("" for the folder itself). */
    public String input() {
        return input;
    }

    /** The data's license, recorded in the prepared dataset's card. */
    public String license() {
        return license;
    }

    /** Image height in pixels (images only). */
    public int rows() {
        return rows;
    }

    /** Image width in pixels (images only). */
    public int cols() {
        return cols;
    }

    /** Number of classes (images and audio). */
    public int classes() {
        return classes;
    }

    /**
     * The dataset called {@code name} in a config, which must be of {@code kind}.
     *
     * @param key the config key, for the message
     * @throws IllegalArgumentException naming the datasets of that kind otherwise
     */
    public static StandardDataset named(String name, Kind kind, String key) {
        List<StandardDataset> ofKind = Arrays.stream(values()).filter(d -> d.kind == kind).toList();
        for (StandardDataset d : ofKind) {
            if (d.folder.equals(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException(key + " must be one of " + ofKind.stream().map(StandardDataset::folder).toList()
                + ", got '" + name + "'");
    }
}
