package io.cairn.bench.scrape;

import io.cairn.bench.ByteCounter;
import io.cairn.bench.Corpora;
import io.cairn.bench.JvmFlags;
import io.cairn.core.model.PushContent;
import io.cairn.core.render.PushEncoder;
import io.cairn.core.scrape.ExpositionFormat;
import io.cairn.core.scrape.ScrapeComposer;
import io.cairn.core.render.EncodedFamily;
import io.cairn.core.store.FamilySnapshot;
import io.cairn.core.store.GroupStore;
import io.cairn.core.store.SlotVector;
import io.cairn.core.store.StoreCommand;
import io.cairn.core.store.StoreSnapshot;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Cost of composing a full scrape, in each {@link ExpositionFormat}, of a store of {@code groups} groups, each holding the {@value Corpora#BODY}
 * push (3 families, 10 series, plus its two push timestamps). {@link ScrapeComposer} sends each family from its
 * scrape cache (the family's text in one buffer, or its gzip segment), built by the first scrape after a change:
 * {@link #compose} and {@link #composeGzip} measure an unchanged store, {@link #composeAfterPush} and {@link
 * #composeGzipAfterPush} a scrape right after one PUT, which rebuilds the caches of every family the push touched.
 * The sink releases each piece at once (the server writes it to the socket first). One op is one scrape; the
 * {@code bytes} secondary result is the bytes handed to the sink per second. The gateway's own families are left
 * out.
 *
 * <p>Baselines (format-blind): the text exposition's bytes in the same order, copied from the same snapshot chunk by chunk into one direct
 * buffer, either allocated once in setup ({@link #copyIntoOneBuffer}: the lower bound of any composer that copies)
 * or taken from the pooled allocator and released per scrape ({@link #copyIntoNewBuffer}).
 *
 * <p>Latest results: {@code docs/performance.md}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(jvmArgsAppend = {JvmFlags.NO_LEAK_DETECTION, JvmFlags.AGRONA_UNSAFE, "-Xms1g", "-Xmx1g"})
public class ScrapeComposerBenchmark {
    @Param({"1000", "10000"})
    public int groups;

    @Param({"TEXT", "PROTOBUF", "OPENMETRICS"})
    public ExpositionFormat format;

    private ByteBufAllocator alloc;
    private GroupStore store;
    private ReleasingSink sink;
    private ByteBuf copy;
    private int scrapeBytes;
    private PushContent content;
    private PushEncoder encoder;
    private int nextGroup;
    private long nextNs = 1_800_000_000_000_000_000L;

    /** Releases every piece, as the channel does once it is written, and counts its bytes. */
    private static final class ReleasingSink implements Consumer<ByteBuf> {
        long bytes;
        int pieces;

        @Override
        public void accept(ByteBuf piece) {
            bytes += piece.readableBytes();
            pieces++;
            piece.release();
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        alloc = PooledByteBufAllocator.DEFAULT;
        store = new GroupStore(alloc, Map.of(), true, GroupStore.DEFAULT_QUEUE_CAPACITY);
        content = Corpora.parse(Corpora.bytes(Corpora.BODY));
        encoder = new PushEncoder();
        final long startNs = 1_700_000_000_000_000_000L;
        for (int g = 0; g < groups; g++) {
            final PushEncoder.EncodedPush push = encoder.encode(Corpora.groupKey(g), content, alloc);
            if (!store.offer(StoreCommand.push(Corpora.groupKey(g), true, push, startNs + g * 1_000_000L, null))) {
                throw new IllegalStateException("queue full");
            }
            store.drainAll();
        }
        sink = new ReleasingSink();
        final long composed = compose(new ByteCounter());
        copy = alloc.directBuffer(1024);
        final long copied = copyIntoOneBuffer(new ByteCounter());
        scrapeBytes = (int) copied;
        if (format == ExpositionFormat.TEXT && composed != copied) {
            throw new IllegalStateException("composed " + composed + " bytes but copied " + copied);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        copy.release();
        store.onClose();
    }

    /** The zero-copy scrape; returns its size in bytes. */
    @Benchmark
    public long compose(ByteCounter counter) {
        final ReleasingSink sink = this.sink;
        sink.bytes = 0;
        ScrapeComposer.compose(store, List.of(), format, false, alloc, sink);
        counter.bytes += sink.bytes;
        return sink.bytes;
    }

    /** A scrape right after one PUT: the changed families' caches are built again (all five families here). */
    @Benchmark
    public long composeAfterPush(ByteCounter counter) {
        putOneGroup();
        return compose(counter);
    }

    /** The gzip scrape of an unchanged store: the cached segments, a final block and a combined CRC. */
    @Benchmark
    public long composeGzip(ByteCounter counter) {
        final ReleasingSink sink = this.sink;
        sink.bytes = 0;
        ScrapeComposer.compose(store, List.of(), format, true, alloc, sink);
        counter.bytes += sink.bytes;
        return sink.bytes;
    }

    /** A gzip scrape right after one PUT: every family touched by the push is compressed again. */
    @Benchmark
    public long composeGzipAfterPush(ByteCounter counter) {
        putOneGroup();
        return composeGzip(counter);
    }

    private void putOneGroup() {
        final int g = nextGroup;
        nextGroup = (g + 1) % groups;
        final PushEncoder.EncodedPush push = encoder.encode(Corpora.groupKey(g), content, alloc);
        if (!store.offer(StoreCommand.push(Corpora.groupKey(g), true, push, nextNs++, null))) {
            throw new IllegalStateException("queue full");
        }
        store.drainAll();
    }

    /** Baseline: the same exposition copied chunk by chunk into one buffer allocated once, in setup. */
    @Benchmark
    public long copyIntoOneBuffer(ByteCounter counter) {
        final ByteBuf copy = this.copy;
        copy.clear();
        copyScrape(copy);
        final int bytes = copy.readableBytes();
        counter.bytes += bytes;
        return bytes;
    }

    /**
     * Baseline: as {@link #copyIntoOneBuffer}, into a buffer of the exact size taken from the pooled allocator
     * and released per scrape, as a copying composer would (beyond the pool's chunk size that is an unpooled
     * allocation).
     */
    @Benchmark
    public long copyIntoNewBuffer(ByteCounter counter) {
        final ByteBuf copy = alloc.directBuffer(scrapeBytes, scrapeBytes);
        try {
            copyScrape(copy);
            final int bytes = copy.readableBytes();
            counter.bytes += bytes;
            return bytes;
        } finally {
            copy.release();
        }
    }

    private void copyScrape(ByteBuf into) {
        try (StoreSnapshot snapshot = store.acquire()) {
            for (int f = 0; f < snapshot.familyCount(); f++) {
                final FamilySnapshot family = snapshot.family(f);
                if (family.seriesCount() == 0) {
                    continue;
                }
                into.writeBytes(family.header().bytes(), 0, family.header().textLength());
                final SlotVector<EncodedFamily> chunks = family.chunks();
                chunks.forEach(chunk -> into.writeBytes(chunk.bytes(), 0, chunk.textLength()));
            }
        }
    }
}
