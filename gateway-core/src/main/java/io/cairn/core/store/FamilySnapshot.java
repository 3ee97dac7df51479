package io.cairn.core.store;

import io.cairn.core.model.MetricType;
import io.cairn.core.render.EncodedFamily;
import io.netty.buffer.ByteBuf;

import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * One metric family across all groups, as published to scrapes: its pre-serialized {@code # HELP}/{@code # TYPE}
 * header and, by group slot, each group's pre-serialized sample lines. Immutable; the buffers belong to the store.
 *
 * <p>Two {@link ScrapeCache} slots let scrapes keep what they derived from this family (its whole text in one
 * buffer, its gzip segment) for as long as the family is unchanged: the first scrape that needs one builds it
 * and installs it with a CAS; the store writer releases both when it retires this snapshot.
 */
public final class FamilySnapshot {
    private static final AtomicReferenceFieldUpdater<FamilySnapshot, ScrapeCache> TEXT_CACHE =
            AtomicReferenceFieldUpdater.newUpdater(FamilySnapshot.class, ScrapeCache.class, "textCache");
    private static final AtomicReferenceFieldUpdater<FamilySnapshot, ScrapeCache> GZIP_CACHE =
            AtomicReferenceFieldUpdater.newUpdater(FamilySnapshot.class, ScrapeCache.class, "gzipCache");

    private final String name;
    private final MetricType type;
    private final String help;
    private final ByteBuf header;
    private final SlotVector<EncodedFamily> chunks;
    private final int seriesCount;
    private final long textBytes;
    private volatile ScrapeCache textCache;
    private volatile ScrapeCache gzipCache;

    FamilySnapshot(String name, MetricType type, String help, ByteBuf header, SlotVector<EncodedFamily> chunks,
                   int seriesCount, long textBytes) {
        this.name = name;
        this.type = type;
        this.help = help;
        this.header = header;
        this.chunks = chunks;
        this.seriesCount = seriesCount;
        this.textBytes = textBytes;
    }

    /** Bytes of the header plus every group's sample lines: the size of this family in a text scrape. */
    public long textBytes() {
        return textBytes;
    }

    /** The concatenated text of this family, if a scrape built it already. Read it only while pinned. */
    public ScrapeCache textCache() {
        return textCache;
    }

    /** Installs {@code cache} unless another scrape was first; returns the one installed. */
    public ScrapeCache installTextCache(ScrapeCache cache) {
        return install(TEXT_CACHE, cache);
    }

    /** The gzip segment of this family, if a scrape built it already. Read it only while pinned. */
    public ScrapeCache gzipCache() {
        return gzipCache;
    }

    public ScrapeCache installGzipCache(ScrapeCache cache) {
        return install(GZIP_CACHE, cache);
    }

    private ScrapeCache install(AtomicReferenceFieldUpdater<FamilySnapshot, ScrapeCache> slot, ScrapeCache cache) {
        if (slot.compareAndSet(this, null, cache)) {
            return cache;
        }
        cache.release();
        return slot.get(this);
    }

    /** Releases the caches; writer thread only, once no reader can see this snapshot. */
    void releaseCaches() {
        final ScrapeCache text = TEXT_CACHE.getAndSet(this, null);
        if (text != null) {
            text.release();
        }
        final ScrapeCache gzip = GZIP_CACHE.getAndSet(this, null);
        if (gzip != null) {
            gzip.release();
        }
    }

    public String name() {
        return name;
    }

    public MetricType type() {
        return type;
    }

    /** The HELP shown for the family (a deterministic choice when groups disagree), or {@code null}. */
    public String help() {
        return help;
    }

    /** {@code # HELP ...\n# TYPE ...\n}; do not modify its indexes. */
    public ByteBuf header() {
        return header;
    }

    /** Each group's chunk of this family, by group slot. */
    public SlotVector<EncodedFamily> chunks() {
        return chunks;
    }

    /** Series of this family across all groups; a family without series is left out of the exposition. */
    public int seriesCount() {
        return seriesCount;
    }
}
