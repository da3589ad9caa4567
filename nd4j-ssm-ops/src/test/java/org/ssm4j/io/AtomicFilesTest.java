package org.ssm4j.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private List<Path> files() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.toList();
        }
    }

    @Test
    void writesIntoMissingDirectoriesAndReplacesTheTarget() throws IOException {
        Path target = dir.resolve("a/b/out.txt");
        AtomicFiles.writeString(target, "first");
        AtomicFiles.write(target, out -> {
            out.write("sec".getBytes());
            out.write('o');
            out.close(); // only flushes: the rest must still arrive
            out.write("nd".getBytes());
        });
        assertEquals("second", Files.readString(target));
        try (Stream<Path> list = Files.list(target.getParent())) {
            assertEquals(List.of(target), list.toList(), "no temporary file is left");
        }
    }

    @Test
    void aFailingWriterLeavesTheTargetAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("out.txt");
        AtomicFiles.writeString(target, "kept");
        UncheckedIOException io = assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(target, out -> {
            out.write("partial".getBytes());
            throw new IOException("disk full");
        }));
        assertTrue(io.getMessage().contains(target.toString()), io.getMessage());
        IllegalStateException bug = new IllegalStateException("bug");
        assertSame(bug, assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, out -> {
            throw bug;
        })));
        assertEquals("kept", Files.readString(target));
        assertEquals(List.of(target), files());
    }

    @Test
    void theStepsCommitOrAbandonATemporarySibling() throws IOException {
        Path target = dir.resolve("data.bin");
        Path temporary = AtomicFiles.temporarySibling(target);
        assertEquals(dir, temporary.getParent());
        assertTrue(temporary.getFileName().toString().startsWith(".data.bin."), temporary.toString());
        assertFalse(Files.exists(target));
        Files.writeString(temporary, "done");
        AtomicFiles.commit(temporary, target);
        assertEquals("done", Files.readString(target));

        Path abandoned = AtomicFiles.temporarySibling(target);
        AtomicFiles.deleteQuietly(abandoned);
        AtomicFiles.deleteQuietly(abandoned);
        assertEquals(List.of(target), files());
    }

    @Test
    void aTargetWhoseDirectoryIsAFileFailsWithItsName() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("plain"), "x");
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> AtomicFiles.writeString(notADirectory.resolve("out.txt"), "y"));
        assertTrue(e.getMessage().contains(notADirectory.toString()), e.getMessage());
    }
}
