package io.cairn.core.store;

import io.cairn.core.model.MetricType;
import io.netty.buffer.ByteBuf;

/**
 * One metric family across all groups, as published to scrapes: its pre-serialized {@code # HELP}/{@code # TYPE}
 * header and, by group slot, each group's pre-serialized sample lines. Immutable; the buffers belong to the store.
 */
public final class FamilySnapshot {
    private final String name;
    private final MetricType type;
    private final String help;
    private final ByteBuf header;
    private final SlotVector<FamilyChunk> chunks;
    private final int seriesCount;

    FamilySnapshot(String name, MetricType type, String help, ByteBuf header, SlotVector<FamilyChunk> chunks,
                   int seriesCount) {
        this.name = name;
        this.type = type;
        this.help = help;
        this.header = header;
        this.chunks = chunks;
        this.seriesCount = seriesCount;
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
    public SlotVector<FamilyChunk> chunks() {
        return chunks;
    }

    /** Series of this family across all groups; a family without series is left out of the exposition. */
    public int seriesCount() {
        return seriesCount;
    }
}
