package io.cairn.core.journal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where the files of one store live, all next to {@code --persistence.file} ({@code <file>} below):
 * <pre>
 *   &lt;file&gt;                              the latest snapshot
 *   &lt;file&gt;.snapshot-tmp                 a snapshot being written (removed at start)
 *   &lt;file&gt;.journal.00000000000000012345 a journal segment whose first record has sequence number 12345
 * </pre>
 */
public final class JournalFiles {
    private static final String SEGMENT_INFIX = ".journal.";
    private static final String SNAPSHOT_TMP_SUFFIX = ".snapshot-tmp";
    private static final int SEQUENCE_DIGITS = 20;

    private final Path snapshot;

    public JournalFiles(Path snapshot) {
        this.snapshot = snapshot.toAbsolutePath();
    }

    public Path snapshot() {
        return snapshot;
    }

    public Path snapshotTmp() {
        return snapshot.resolveSibling(snapshot.getFileName() + SNAPSHOT_TMP_SUFFIX);
    }

    /** The segment whose first record has sequence number {@code firstSequence}. */
    public Path segment(long firstSequence) {
        final String digits = Long.toString(firstSequence);
        return snapshot.resolveSibling(snapshot.getFileName() + SEGMENT_INFIX
                + "0".repeat(Math.max(0, SEQUENCE_DIGITS - digits.length())) + digits);
    }

    /** A journal segment and the sequence number of its first record. */
    public record Segment(Path path, long firstSequence) {
    }

    /** The segments present, oldest first. */
    public List<Segment> segments() throws IOException {
        final List<Segment> segments = new ArrayList<>();
        final Path directory = snapshot.getParent();
        final String prefix = snapshot.getFileName() + SEGMENT_INFIX;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory,
                entry -> entry.getFileName().toString().startsWith(prefix))) {
            for (Path entry : entries) {
                final String digits = entry.getFileName().toString().substring(prefix.length());
                if (digits.length() == SEQUENCE_DIGITS && digits.chars().allMatch(Character::isDigit)) {
                    segments.add(new Segment(entry, Long.parseLong(digits)));
                }
            }
        }
        segments.sort(Comparator.comparingLong(Segment::firstSequence));
        return segments;
    }
}
