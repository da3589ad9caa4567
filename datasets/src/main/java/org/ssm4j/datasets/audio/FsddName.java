package org.ssm4j.datasets.audio;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ssm4j.datasets.DatasetFormatException;

/**
 * The parts of a Free Spoken Digit Dataset file name, {@code {label}_{speaker}_{index}.wav}, e.g.
 * {@code 7_jackson_32.wav}.
 *
 * @param label the spoken digit (class label)
 * @param speaker the speaker's name
 * @param index the take, from 0
 */
public record FsddName(int label, String speaker, int index) {

    private static final Pattern PATTERN = Pattern.compile("(\\d{1,9})_([A-Za-z0-9-]+)_(\\d{1,9})\\.wav");

    /** Label, then speaker, then index: the order files are converted in. */
    public static final Comparator<FsddName> ORDER = Comparator.comparingInt(FsddName::label)
            .thenComparing(FsddName::speaker).thenComparingInt(FsddName::index);

    /**
     * @param file a recording
     * @return the parts of its name
     * @throws DatasetFormatException if the name does not follow the pattern
     */
    public static FsddName parse(Path file) {
        Matcher matcher = PATTERN.matcher(file.getFileName().toString());
        if (!matcher.matches()) {
            throw DatasetFormatException.mismatch(file, "file name", "{label}_{speaker}_{index}.wav, e.g. "
                    + "7_jackson_32.wav", file.getFileName());
        }
        return new FsddName(Integer.parseInt(matcher.group(1)), matcher.group(2), Integer.parseInt(matcher.group(3)));
    }
}
