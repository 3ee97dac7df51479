package io.cairn.core.store;

import io.cairn.core.journal.CorruptStateException;
import io.cairn.core.journal.JournalFiles;
import io.cairn.core.journal.JournalWriter;
import io.cairn.core.journal.RecordReader;
import io.cairn.core.journal.SnapshotWriter;
import io.cairn.core.journal.SyncPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Makes a {@link GroupStore} durable: every command the writer applies is first framed into the current journal
 * segment, and a batch is written ({@link SyncPolicy}) before any of its commands is acknowledged; every
 * {@code --persistence.interval} (or once the segment holds {@value #SNAPSHOT_JOURNAL_BYTES} bytes) the writer
 * starts a new segment and a background thread writes the published snapshot of that moment to the snapshot file,
 * then deletes the segments it covers. Neither pushes nor scrapes wait for a snapshot.
 *
 * <p>At start, {@link #load} restores the snapshot and replays the segments after it, in sequence order: each
 * journaled command carries its sequence number and the times fixed when it was accepted, so replaying gives the
 * store it had. A torn last record (a write cut short by a crash) is cut off with a warning; any other damage stops
 * the start with {@link CorruptStateException}, and no file is changed.
 *
 * <p>{@link #load} runs on the starting thread before the writer starts; the other methods on the writer thread.
 */
public final class StoreJournal {
    /** A segment this large triggers a snapshot before the interval is up, to bound replay at start. */
    static final long SNAPSHOT_JOURNAL_BYTES = 512L << 20;
    private static final long PROGRESS_NS = TimeUnit.SECONDS.toNanos(2);
    /** After a failure to write, how long before the next snapshot attempt and the next failure message. */
    private static final long RETRY_NS = TimeUnit.SECONDS.toNanos(1);

    private static final String SNAPSHOT_RECOVERY = "Cairn does not start from a damaged snapshot. Restore the file"
            + " from a backup, or move it away to start from the journal segments alone (what only the snapshot held"
            + " is then lost)";
    private static final String JOURNAL_RECOVERY = "Cairn does not start from a damaged journal. To start anyway,"
            + " truncate the segment at that offset (truncate -s OFFSET FILE), which loses the commands after it, or"
            + " restore it from a backup";

    /** What the journal reports, for the log. */
    public interface Events {
        void loadProgress(long groups, long totalGroups, long commands, long bytes, long elapsedNs);

        void loaded(long groups, long commands, long bytes, long elapsedNs);

        void tornTail(String file, long offset, long bytes);

        void snapshotWritten(String file, long groups, long sequence, long elapsedNs);

        void failed(String what, Exception e);
    }

    private final JournalFiles files;
    private final SyncPolicy sync;
    private final long intervalNs;
    private final Events events;
    private final ExecutorService snapshots = Executors.newSingleThreadExecutor(runnable -> {
        final Thread thread = new Thread(runnable, "cairn-snapshot");
        thread.setDaemon(true);
        return thread;
    });

    private JournalWriter segment;
    /** Sequence number the current segment's first record has (or will have). */
    private long segmentFirstSequence;
    /** Sequence number of the last command framed into the journal. */
    private long sequence;
    /** Sequence number of the last command written to the journal. */
    private long committedSequence;
    /** Sequence number of the last command the snapshot on disk includes. */
    private volatile long snapshotSequence;
    private long lastSnapshotNs;
    private long lastFailureReportNs;
    private volatile boolean snapshotRunning;
    /** A write failed: the state in memory holds commands the journal does not; a snapshot is due at once. */
    private volatile boolean broken;

    public StoreJournal(JournalFiles files, SyncPolicy sync, long intervalNs, Events events) {
        this.files = files;
        this.sync = sync;
        this.intervalNs = intervalNs;
        this.events = events;
    }

    // ------------------------------------------------------------------ start

    /**
     * Restores {@code store} from the snapshot and the journal, then opens a new segment. Call before the store's
     * writer starts.
     */
    public void load(GroupStore store, ByteBufAllocator alloc) throws IOException, CorruptStateException {
        final long startNs = System.nanoTime();
        Files.deleteIfExists(files.snapshotTmp());
        final Progress progress = new Progress(startNs);
        if (Files.exists(files.snapshot())) {
            if (Files.size(files.snapshot()) > 0 && !RecordReader.isSnapshot(files.snapshot())) {
                throw new CorruptStateException(files.snapshot(), 0, "this is not a file Cairn wrote (a Go"
                        + " Pushgateway persistence file, perhaps)", "Cairn neither reads nor overwrites it. Give"
                        + " --persistence.file a new path, and copy the groups of the running Go gateway with"
                        + " cairn migrate --from URL (docs/migration.md)");
            }
            progress.bytes += Files.size(files.snapshot());
            RecordReader.readSnapshot(files.snapshot(), (payload, offset) -> restoreSection(store, alloc, payload,
                    offset, progress), SNAPSHOT_RECOVERY);
            if (!progress.ended) {
                throw new CorruptStateException(files.snapshot(), Files.size(files.snapshot()),
                        "the snapshot has no end section", SNAPSHOT_RECOVERY);
            }
        }
        sequence = snapshotSequence;
        final List<JournalFiles.Segment> segments = files.segments();
        for (int i = 0; i < segments.size(); i++) {
            final JournalFiles.Segment s = segments.get(i);
            final boolean last = i == segments.size() - 1;
            progress.bytes += Files.size(s.path());
            final RecordReader.Result result = RecordReader.readJournal(s.path(),
                    (payload, offset) -> replayRecord(store, alloc, payload, offset, s, progress), JOURNAL_RECOVERY);
            if (result.tornBytes() > 0) {
                if (!last) {
                    throw new CorruptStateException(s.path(), result.validLength(),
                            "a segment that is not the last one ends in an incomplete record", JOURNAL_RECOVERY);
                }
                events.tornTail(s.path().toString(), result.validLength(), result.tornBytes());
                try (FileChannel channel = FileChannel.open(s.path(), StandardOpenOption.WRITE)) {
                    channel.truncate(result.validLength());
                    channel.force(true);
                }
            }
        }
        store.finishLoading();
        final java.nio.file.Path next = files.segment(sequence + 1);
        if (Files.exists(next)) {
            // a segment opened by an earlier start that journaled nothing (anything in it was replayed above)
            Files.delete(next);
        }
        segment = JournalWriter.create(next, sync);
        segmentFirstSequence = sequence + 1;
        committedSequence = sequence;
        lastSnapshotNs = System.nanoTime();
        events.loaded(progress.groups, progress.commands, progress.bytes, System.nanoTime() - startNs);
    }

    /** Counters of a load, for its progress messages. */
    private static final class Progress {
        final long startNs;
        long lastReportNs;
        long totalGroups;
        long groups;
        long commands;
        long bytes;
        boolean ended;

        Progress(long startNs) {
            this.startNs = startNs;
            this.lastReportNs = startNs;
        }
    }

    private void restoreSection(GroupStore store, ByteBufAllocator alloc, ByteBuf payload, long offset,
                                Progress progress) throws CorruptStateException {
        try {
            final int kind = payload.readUnsignedByte();
            if (progress.ended) {
                throw new StoreCodec.MalformedException("a section after the end section");
            }
            switch (kind) {
                case StoreCodec.HEAD:
                    snapshotSequence = payload.readLongLE();
                    progress.totalGroups = payload.readLongLE();
                    break;
                case StoreCodec.GROUP:
                    store.replay(StoreCodec.readGroup(payload, alloc));
                    progress.groups++;
                    report(progress);
                    break;
                case StoreCodec.END:
                    final long groups = payload.readLongLE();
                    if (groups != progress.groups) {
                        throw new StoreCodec.MalformedException("the end section counts " + groups + " groups, "
                                + progress.groups + " were read");
                    }
                    progress.ended = true;
                    break;
                default:
                    throw new StoreCodec.MalformedException("unknown section kind " + kind);
            }
        } catch (StoreCodec.MalformedException | IndexOutOfBoundsException e) {
            throw new CorruptStateException(files.snapshot(), offset, e.getMessage(), SNAPSHOT_RECOVERY);
        }
    }

    private void replayRecord(GroupStore store, ByteBufAllocator alloc, ByteBuf payload, long offset,
                              JournalFiles.Segment segment, Progress progress) throws CorruptStateException {
        final long recordSequence;
        final StoreCommand command;
        try {
            recordSequence = payload.readLongLE();
            if (recordSequence <= sequence) {
                return; // in the snapshot already
            }
            if (recordSequence != sequence + 1) {
                throw new StoreCodec.MalformedException("commands " + (sequence + 1) + " to " + (recordSequence - 1)
                        + " are missing (a segment was lost)");
            }
            command = StoreCodec.readCommand(payload, alloc);
        } catch (StoreCodec.MalformedException | IndexOutOfBoundsException e) {
            throw new CorruptStateException(segment.path(), offset, e.getMessage(), JOURNAL_RECOVERY);
        }
        store.replay(command);
        sequence = recordSequence;
        progress.commands++;
        report(progress);
    }

    private void report(Progress progress) {
        final long now = System.nanoTime();
        if (now - progress.lastReportNs >= PROGRESS_NS) {
            progress.lastReportNs = now;
            events.loadProgress(progress.groups, progress.totalGroups, progress.commands, progress.bytes,
                    now - progress.startNs);
        }
    }

    // ------------------------------------------------------------------ writer thread

    /** Frames {@code command} into the current batch, with the next sequence number. */
    void record(StoreCommand command) {
        final ByteBuf out = segment.beginRecord();
        try {
            StoreCodec.writeCommand(out, sequence + 1, command);
        } catch (RuntimeException e) {
            segment.abandonRecord();
            throw e;
        }
        segment.endRecord();
        sequence++;
    }

    /**
     * Writes the batch; {@code null} when it is durable as the sync policy asks, else why not. A batch that could
     * not be written gives its sequence numbers back (the journal stays without gaps) and its commands are answered
     * with that error; they stay applied in memory, and a snapshot is cut as soon as possible to get the state on
     * disk again.
     */
    String commit(long nowNs) {
        try {
            segment.commit();
            committedSequence = sequence;
            return null;
        } catch (IOException e) {
            sequence = committedSequence;
            broken = true;
            if (nowNs - lastFailureReportNs >= RETRY_NS) {
                lastFailureReportNs = nowNs;
                events.failed("writing the journal " + segment.path(), e);
            }
            return StoreCommand.NOT_JOURNALED + e.getMessage();
        }
    }

    /** Starts a snapshot when one is due; {@code nowNs} is the writer's clock. */
    void maybeSnapshot(GroupStore store, long nowNs) {
        if (snapshotRunning) {
            return;
        }
        final boolean due = broken ? nowNs - lastSnapshotNs >= RETRY_NS
                : sequence != snapshotSequence
                        && (nowNs - lastSnapshotNs >= intervalNs || segment.size() >= SNAPSHOT_JOURNAL_BYTES);
        if (!due) {
            return;
        }
        lastSnapshotNs = nowNs;
        if (segmentFirstSequence != sequence + 1) {
            // the commands from here on go to a new segment, which the snapshot will not cover
            final JournalWriter next;
            try {
                next = JournalWriter.create(files.segment(sequence + 1), sync);
            } catch (IOException e) {
                events.failed("starting a new journal segment", e);
                broken = true;
                return; // the current segment stays open: pushes go on being journaled there
            }
            try {
                segment.close(); // everything in it was committed already
            } catch (IOException e) {
                events.failed("closing the journal segment " + segment.path(), e);
            }
            segment = next;
            segmentFirstSequence = sequence + 1;
        }
        broken = false;
        final long covered = sequence;
        final StoreSnapshot snapshot = store.acquire();
        snapshotRunning = true;
        snapshots.execute(() -> {
            try (snapshot) {
                if (!writeSnapshot(snapshot, covered)) {
                    broken = true; // read by the writer after snapshotRunning is cleared
                }
            } finally {
                snapshotRunning = false;
            }
        });
    }

    /** On the snapshot thread: writes the snapshot, then deletes the segments it makes unnecessary. */
    private boolean writeSnapshot(StoreSnapshot snapshot, long covered) {
        final long startNs = System.nanoTime();
        try (SnapshotWriter writer = new SnapshotWriter(files)) {
            final long groups = snapshot.groupCount();
            StoreCodec.writeHead(writer.beginSection(), covered, groups);
            writer.endSection();
            final long[] written = {0};
            final IOException[] failure = {null};
            snapshot.groups().forEach(group -> {
                if (failure[0] != null) {
                    return;
                }
                StoreCodec.writeGroup(writer.beginSection(), group);
                try {
                    writer.endSection();
                } catch (IOException e) {
                    failure[0] = e;
                }
                written[0]++;
            });
            if (failure[0] != null) {
                throw failure[0];
            }
            StoreCodec.writeEnd(writer.beginSection(), written[0]);
            writer.endSection();
            writer.commit();
            snapshotSequence = covered;
            for (JournalFiles.Segment s : files.segments()) {
                if (s.firstSequence() <= covered) {
                    Files.deleteIfExists(s.path());
                }
            }
            events.snapshotWritten(files.snapshot().toString(), written[0], covered, System.nanoTime() - startNs);
            return true;
        } catch (IOException | RuntimeException e) {
            events.failed("writing the snapshot " + files.snapshot(), e);
            return false;
        }
    }

    /** Writes what is pending and closes the segment; waits for a snapshot being written. */
    void close() {
        snapshots.shutdown();
        try {
            if (!snapshots.awaitTermination(1, TimeUnit.MINUTES)) {
                events.failed("waiting for the snapshot being written", new IOException("timed out"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (segment != null) {
            try {
                segment.close();
            } catch (IOException e) {
                events.failed("closing the journal " + segment.path(), e);
            }
        }
    }
}
