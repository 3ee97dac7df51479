package io.cairn.core.store;

import io.cairn.core.model.MetricType;
import io.cairn.core.render.EncodedFamily;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One metric family across all groups, as published to scrapes: its pre-serialized header and, by group slot, each
 * group's pre-serialized chunk. Immutable; the buffers belong to the store.
 *
 * <p>{@link ScrapeCache} slots let scrapes keep what they derived from this family (its whole exposition in one
 * buffer, its gzip segment, in each format) for as long as the family is unchanged: the first scrape that needs
 * one builds it and installs it with a CAS; the store writer releases them all when it retires this snapshot.
 * Which slot holds what is the scrape composer's business.
 */
public final class FamilySnapshot {
    /** Slots for scrape caches. */
    public static final int CACHE_SLOTS = 6;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(ScrapeCache[].class);

    private final String name;
    private final MetricType type;
    private final String help;
    private final FamilyHeader header;
    private final SlotVector<EncodedFamily> chunks;
    private final int seriesCount;
    private final long textBytes;
    private final long protoBytes;
    private final ScrapeCache[] caches = new ScrapeCache[CACHE_SLOTS];

    FamilySnapshot(String name, MetricType type, String help, FamilyHeader header, SlotVector<EncodedFamily> chunks,
                   int seriesCount, long textBytes, long protoBytes) {
        this.name = name;
        this.type = type;
        this.help = help;
        this.header = header;
        this.chunks = chunks;
        this.seriesCount = seriesCount;
        this.textBytes = textBytes;
        this.protoBytes = protoBytes;
    }

    /** Bytes of every group's text sample lines, without the header. */
    public long textBytes() {
        return textBytes;
    }

    /** Bytes of every group's protobuf metric fields, without the header. */
    public long protoBytes() {
        return protoBytes;
    }

    /** The cache in {@code slot}, if a scrape built it already. Read it only while the snapshot is pinned. */
    public ScrapeCache cache(int slot) {
        return (ScrapeCache) SLOT.getAcquire(caches, slot);
    }

    /** Installs {@code cache} in {@code slot} unless another scrape was first; returns the one installed. */
    public ScrapeCache installCache(int slot, ScrapeCache cache) {
        final ScrapeCache witness = (ScrapeCache) SLOT.compareAndExchangeRelease(caches, slot, null, cache);
        if (witness == null) {
            return cache;
        }
        cache.release();
        return witness;
    }

    /** Releases the caches; writer thread only, once no reader can see this snapshot. */
    void releaseCaches() {
        for (int slot = 0; slot < CACHE_SLOTS; slot++) {
            final ScrapeCache cache = (ScrapeCache) SLOT.getAndSet(caches, slot, null);
            if (cache != null) {
                cache.release();
            }
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

    /** The family's header in both formats. */
    public FamilyHeader header() {
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
