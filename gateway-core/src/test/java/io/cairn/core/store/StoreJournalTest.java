package io.cairn.core.store;

import io.cairn.core.journal.CorruptStateException;
import io.cairn.core.journal.JournalFiles;
import io.cairn.core.journal.SyncPolicy;
import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.MetricType;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushedFamily;
import io.cairn.core.render.PushEncoder;
import io.cairn.core.scrape.ExpositionFormat;
import io.cairn.core.scrape.ScrapeComposer;
import io.cairn.core.testing.LeakRecorder;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal and snapshots restore exactly the store that was written, cut a torn last record off, and refuse
 * damaged files without changing them. The crash test with a real process is {@code PersistenceIT}.
 */
class StoreJournalTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final long HOUR_NS = TimeUnit.HOURS.toNanos(1);

    @TempDir
    Path dir;
    private JournalFiles files;
    private final List<String> events = new ArrayList<>();

    @BeforeEach
    void setUp() {
        LeakRecorder.install();
        files = new JournalFiles(dir.resolve("state"));
    }

    @AfterAll
    static void noLeaks() {
        LeakRecorder.assertNoLeaks();
    }

    @Test
    void shouldRestoreTheStoreFromTheJournalAlone() throws Exception {
        final String written = writeAndClose(HOUR_NS, store -> {
            push(store, "a", 1, true);
            push(store, "b", 2, true);
            push(store, "a", 3, false); // POST: merges
            push(store, "c", 4, true);
            store.offer(StoreCommand.delete(GroupingKey.of("job", "c"), 5, null));
            pushRejected(store, "b");
            store.drainAll();
        });
        assertTrue(written.contains("b{instance=\"\",job=\"a\"} 3"), written);
        assertTrue(files.segments().size() >= 1);
        assertEquals(written, loadAndScrape());
        assertEquals(written, loadAndScrape(), "loading twice changes nothing");
    }

    @Test
    void shouldTimeEveryJournalWrite() throws Exception {
        writeAndClose(HOUR_NS, store -> {
            assertTrue(store.journaled());
            push(store, "a", 1, true);
            store.drainAll();
            push(store, "b", 2, true);
            push(store, "c", 3, true);
            store.drainAll();
            assertEquals(2, store.journalWriteTime().count(), "one write per batch");
            assertEquals(3, store.commandLatency().count());
        });
    }

    @Test
    void shouldRestoreFromASnapshotAndTheJournalAfterIt() throws Exception {
        final String written = writeAndClose(0, store -> {
            for (int i = 0; i < 50; i++) {
                push(store, "g" + (i % 7), i, i % 3 != 0);
                store.drainAll();
            }
            awaitSnapshot();
            push(store, "late", 99, true);
            store.drainAll();
        });
        assertTrue(Files.exists(files.snapshot()), "a snapshot was cut");
        assertTrue(events.stream().anyMatch(e -> e.startsWith("snapshot")), events.toString());
        assertEquals(written, loadAndScrape());
    }

    @Test
    void shouldSnapshotAStoreLoadedFromTheJournalWithoutNewPushes() throws Exception {
        final String written = writeAndClose(HOUR_NS, store -> {
            push(store, "a", 1, true);
            store.drainAll();
        });
        // a start with nothing new to journal: the snapshot covers what was loaded, the segment stays in use
        writeAndClose(0, store -> {
            store.drainAll();
            awaitSnapshot();
        });
        assertTrue(events.stream().noneMatch(e -> e.startsWith("failed")), events.toString());
        assertTrue(events.stream().anyMatch(e -> e.startsWith("snapshot 1 1")), events.toString());
        assertEquals(1, files.segments().size(), "the covered segment is deleted, the open one kept");
        assertEquals(written, loadAndScrape());
    }

    @Test
    void shouldCutATornLastRecordWithAWarning() throws Exception {
        final String written = writeAndClose(HOUR_NS, store -> {
            push(store, "a", 1, true);
            store.drainAll();
        });
        final Path segment = files.segments().get(files.segments().size() - 1).path();
        final long good = Files.size(segment);
        // half of a record: a length that promises more than follows
        Files.write(segment, new byte[] {100, 0, 0, 0, 1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        events.clear();
        assertEquals(written, loadAndScrape());
        assertTrue(events.stream().anyMatch(e -> e.startsWith("torn " + segment + " at " + good)), events.toString());
        assertEquals(good, Files.size(segment), "the torn tail is cut off");
    }

    @Test
    void shouldRefuseACorruptRecordInsideTheJournalAndLeaveTheFile() throws Exception {
        writeAndClose(HOUR_NS, store -> {
            push(store, "a", 1, true);
            store.drainAll();
            push(store, "b", 2, true);
            store.drainAll();
        });
        final Path segment = files.segments().get(0).path();
        final byte[] before = Files.readAllBytes(segment);
        flipByte(segment, 16 + 8 + 20); // inside the first record's payload
        final byte[] damaged = Files.readAllBytes(segment);
        final CorruptStateException e = assertThrows(CorruptStateException.class, this::loadAndScrape);
        assertEquals(segment, e.file());
        assertEquals(16, e.offset());
        assertTrue(e.getMessage().contains("fails its checksum") && e.getMessage().contains("truncate -s"),
                e.getMessage());
        assertArrayEquals(damaged, Files.readAllBytes(segment), "the damaged file is left as it is");
        assertTrue(before.length == damaged.length);
    }

    @Test
    void shouldRefuseACorruptSnapshot() throws Exception {
        writeAndClose(0, store -> {
            push(store, "a", 1, true);
            store.drainAll();
            awaitSnapshot();
        });
        flipByte(files.snapshot(), (int) Files.size(files.snapshot()) - 3);
        final CorruptStateException e = assertThrows(CorruptStateException.class, this::loadAndScrape);
        assertEquals(files.snapshot(), e.file());
        assertTrue(e.getMessage().contains("snapshot"), e.getMessage());
    }

    @Test
    void shouldRefuseAFileThatIsNotCairns() throws Exception {
        Files.write(files.snapshot(), "a Go Pushgateway persistence file, gob-encoded".getBytes(StandardCharsets.UTF_8));
        final CorruptStateException e = assertThrows(CorruptStateException.class, this::loadAndScrape);
        assertTrue(e.getMessage().contains("is not a file Cairn wrote (a Go Pushgateway persistence file, perhaps)")
                && e.getMessage().contains("cairn migrate"), e.getMessage());
    }

    // ------------------------------------------------------------------ helpers

    private interface Work {
        void run(GroupStore store) throws Exception;
    }

    /** Runs {@code work} on a durable store (this thread plays the writer), closes it, returns its scrape. */
    private String writeAndClose(long intervalNs, Work work) throws Exception {
        final GroupStore store = new GroupStore(ALLOC, Map.of());
        store.load(journal(intervalNs));
        try {
            work.run(store);
            store.drainAll();
            return scrape(store);
        } finally {
            store.onClose();
        }
    }

    private String loadAndScrape() throws Exception {
        final GroupStore store = new GroupStore(ALLOC, Map.of());
        try {
            store.load(journal(HOUR_NS));
            return scrape(store);
        } finally {
            store.onClose();
        }
    }

    private StoreJournal journal(long intervalNs) {
        return new StoreJournal(files, SyncPolicy.WRITE, intervalNs, new StoreJournal.Events() {
            @Override
            public void loadProgress(long groups, long totalGroups, long commands, long bytes, long elapsedNs) {
            }

            @Override
            public void loaded(long groups, long commands, long bytes, long elapsedNs) {
                events.add("loaded " + groups + " " + commands);
            }

            @Override
            public void tornTail(String file, long offset, long bytes) {
                events.add("torn " + file + " at " + offset);
            }

            @Override
            public void snapshotWritten(String file, long groups, long sequence, long elapsedNs) {
                events.add("snapshot " + groups + " " + sequence);
            }

            @Override
            public void failed(String what, Exception e) {
                events.add("failed " + what + ": " + e);
            }
        });
    }

    private void awaitSnapshot() throws InterruptedException {
        for (int i = 0; i < 500 && events.stream().noneMatch(e -> e.startsWith("snapshot")); i++) {
            Thread.sleep(10);
        }
    }

    private static String scrape(GroupStore store) {
        final StringBuilder sb = new StringBuilder();
        ScrapeComposer.compose(store, List.of(), ExpositionFormat.TEXT, false, ALLOC, piece -> {
            sb.append(piece.toString(StandardCharsets.UTF_8));
            piece.release();
        });
        return sb.toString();
    }

    private static void push(GroupStore store, String job, long value, boolean replace) {
        final PushContent content = new PushContent();
        final PushedFamily family = content.addFamily(replace ? "a_total" : "b");
        family.type(replace ? MetricType.COUNTER : MetricType.GAUGE);
        family.help("Help " + job + ".");
        family.addMetric().value(value);
        final GroupingKey key = GroupingKey.of("job", job);
        store.offer(StoreCommand.push(key, replace, new PushEncoder().encode(key, content, ALLOC),
                1_700_000_000_000_000_000L + value, null));
    }

    private static void pushRejected(GroupStore store, String job) {
        final PushContent content = new PushContent();
        final PushedFamily family = content.addFamily("a_total");
        family.type(MetricType.GAUGE); // a counter elsewhere: rejected, the failure time is set
        family.addMetric().value(1);
        final GroupingKey key = GroupingKey.of("job", job);
        store.offer(StoreCommand.push(key, true, new PushEncoder().encode(key, content, ALLOC),
                1_700_000_000_500_000_000L, null));
    }

    private static void flipByte(Path file, int offset) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            final int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0x5a);
        }
    }
}
