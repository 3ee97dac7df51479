package io.cairn.core.render;

import io.cairn.core.model.MetricType;
import io.netty.buffer.ByteBuf;

/**
 * One metric family of one group, pre-serialized in both exposition formats: the exact text 0.0.4 sample lines
 * (grouping labels merged in, {@code instance=""} added, series sorted as expfmt sorts them), the same series as
 * {@code metric} fields of a protobuf {@code MetricFamily} message, and the identity hash of every series for the
 * consistency check.
 *
 * <p>Stored as it is: the store keeps this object (with the push time it sets) per group and family.
 *
 * <p>Both encodings live in one buffer, text first ({@link #bytes()}), with reference count 1 from the pooled
 * direct allocator: whoever holds the {@code EncodedFamily} last (the store, or the push that was rejected)
 * releases it through {@link #release()}.
 */
public final class EncodedFamily {
    private final String name;
    private final MetricType type;
    private final String help;
    private static final int[] FIRST_OFFSET_ONLY = {0};

    private final ByteBuf bytes;
    private final int textLength;
    /** The hash of a family with one series (the common case) lives in a field, saving an array per family. */
    private final long firstHash;
    private final long[] seriesHashes;
    private final int[] seriesOffsets;
    private final int seriesCount;
    private long pushTimeNs;

    /**
     * @param bytes      the text lines, then the protobuf metric fields; readable bytes are exactly these
     * @param textLength the length of the text part
     */
    public EncodedFamily(String name, MetricType type, String help, ByteBuf bytes, int textLength,
                         long[] seriesHashes, int[] seriesOffsets) {
        this.name = name;
        this.type = type;
        this.help = help;
        this.bytes = bytes;
        this.textLength = textLength;
        this.seriesCount = seriesHashes.length;
        this.firstHash = seriesCount == 0 ? 0 : seriesHashes[0];
        this.seriesHashes = seriesCount > 1 ? seriesHashes : null;
        this.seriesOffsets = seriesCount > 1 ? seriesOffsets : FIRST_OFFSET_ONLY;
    }

    public String name() {
        return name;
    }

    public MetricType type() {
        return type;
    }

    /** The HELP text, {@code null} when none was pushed. */
    public String help() {
        return help;
    }

    /** Both encodings, text then protobuf, from index 0. Do not modify its indexes. */
    public ByteBuf bytes() {
        return bytes;
    }

    /** Bytes of the text sample lines, at the start of {@link #bytes()}. */
    public int textLength() {
        return textLength;
    }

    /** Bytes of the protobuf metric fields, after the text. */
    public int protoLength() {
        return bytes.writerIndex() - textLength;
    }

    /** A view of the text sample lines (a new slice: meant for rare uses, not for scrapes). */
    public ByteBuf text() {
        return bytes.slice(0, textLength);
    }

    /**
     * A view of the protobuf {@code metric} fields (field 4 of {@code MetricFamily}, each a {@code Metric}
     * message): parsed as a {@code MetricFamily}, they give this group's metrics.
     */
    public ByteBuf proto() {
        return bytes.slice(textLength, protoLength());
    }

    /** The number of series (metrics); a histogram or summary series spans several lines. */
    public int seriesCount() {
        return seriesCount;
    }

    /** The identity hash of series {@code index}, as client_golang's {@code checkMetricConsistency} computes it. */
    public long seriesHash(int index) {
        return seriesHashes == null ? firstHash : seriesHashes[index];
    }

    /** Offset in the text of the first line of series {@code index}. */
    public int seriesOffset(int index) {
        return seriesOffsets[index];
    }

    /** Unix time in nanoseconds of the push that stored this family (the {@code time_stamp} of the JSON API). */
    public long pushTimeNs() {
        return pushTimeNs;
    }

    /** Set once by the store writer, before the family is published to readers. */
    public void pushTimeNs(long pushTimeNs) {
        this.pushTimeNs = pushTimeNs;
    }

    public void release() {
        bytes.release();
    }
}
