package io.cairn.core.scrape;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.core.proto.Metrics;
import io.cairn.core.render.EncodedFamily;
import io.cairn.core.render.OpenMetricsWriter;
import io.cairn.core.render.ProtoWriter;
import io.cairn.core.store.FamilyHeader;
import io.cairn.core.store.FamilySnapshot;
import io.cairn.core.store.GroupStore;
import io.cairn.core.store.ScrapeCache;
import io.cairn.core.store.StoreSnapshot;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Composes a scrape from a store snapshot without formatting a sample: families in name order, each once, merged
 * with the gateway's own families; in text format 0.0.4, as delimited protobuf messages or in OpenMetrics, plain
 * or gzipped. OpenMetrics is rendered from the stored protobuf fields when a family is first scraped so, and
 * cached like the others.
 *
 * <h2>Per-family scrape caches</h2>
 * A family that did not change since the last scrape is sent from its {@link ScrapeCache}: its whole exposition
 * in one buffer (the text header and every group's lines, or one delimited {@code MetricFamily} message: the
 * header fields and every group's metric fields under one length prefix), or that exposition compressed into a
 * self-contained deflate segment ending on a sync flush, with its CRC-32 and length. The first scrape after a
 * change builds the cache; later scrapes send it by reference, so a scrape of an idle store costs about as much as
 * sending a file. A gzip scrape is one gzip member: header, the families' segments, a final empty block, and a
 * trailer whose CRC-32 is combined from the segments' CRCs.
 *
 * <p>The snapshot is pinned only while the pieces are retained; the pieces handed to the sink keep the bytes
 * alive on their own until they are written and released.
 */
public final class ScrapeComposer {
    static final int MAX_COMPONENTS = 1024;
    /** Fast compression: a changed family is compressed again at its next scrape. */
    static final int GZIP_LEVEL = 1;
    private static final int DEFLATE_OUT_CHUNK = 32 * 1024;
    private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    /** A final, empty block with fixed Huffman codes: what {@code Deflater.finish()} writes for no input. */
    private static final byte[] FINAL_EMPTY_BLOCK = {0x03, 0x00};

    private ScrapeComposer() {
    }

    /**
     * Hands the exposition to {@code sink} piece by piece; the sink owns each piece. The own families must be
     * sorted by name; their buffers are consumed.
     *
     * @throws UnrepresentableFamilyException when a family cannot be expressed in {@code format}; the pieces
     *                                        handed over so far are the sink's to release
     */
    public static void compose(GroupStore store, List<OwnFamily> own, ExpositionFormat format, boolean gzip,
                               ByteBufAllocator alloc, Consumer<ByteBuf> sink) {
        final Output output = gzip ? new GzipOutput(format, alloc, sink) : new PlainOutput(format, alloc, sink);
        int o = 0;
        try {
            try (StoreSnapshot snapshot = store.acquire()) {
                for (int f = 0; f < snapshot.familyCount(); f++) {
                    final FamilySnapshot family = snapshot.family(f);
                    while (o < own.size() && own.get(o).name().compareTo(family.name()) < 0) {
                        output.uncached(OwnRenderer.render(format, own.get(o++), null, alloc));
                    }
                    if (o < own.size() && own.get(o).name().equals(family.name())) {
                        // a pushed family named like one of the gateway's: merged under the gateway's header
                        output.uncached(OwnRenderer.render(format, own.get(o++), family, alloc));
                    } else if (family.seriesCount() > 0) {
                        output.family(family);
                    }
                }
                while (o < own.size()) {
                    output.uncached(OwnRenderer.render(format, own.get(o++), null, alloc));
                }
            }
            if (format == ExpositionFormat.OPENMETRICS) {
                final ByteBuf eof = alloc.directBuffer(8);
                OpenMetricsWriter.writeEof(eof);
                output.uncached(eof);
            }
            output.finish();
        } finally {
            output.close();
            while (o < own.size()) {
                own.get(o++).lines().release(); // not rendered: the scrape failed
            }
        }
    }

    /** The cache slot of a family's rendering in {@code format}, plain or gzipped. */
    static int slot(ExpositionFormat format, boolean gzip) {
        return format.ordinal() * 2 + (gzip ? 1 : 0);
    }

    // ------------------------------------------------------------------ rendering a stored family

    /** A family's whole exposition in one buffer: what a plain scrape sends, and what a gzip segment holds. */
    static final class Rendered implements ScrapeCache {
        final ByteBuf bytes;

        Rendered(ByteBuf bytes) {
            this.bytes = bytes;
        }

        @Override
        public void release() {
            bytes.release();
        }
    }

    /** The family's exposition from its cache, built and installed if no scrape did it yet. Not retained. */
    static Rendered cachedRendering(FamilySnapshot family, ExpositionFormat format, ByteBufAllocator alloc) {
        final int slot = slot(format, false);
        final ScrapeCache cached = family.cache(slot);
        if (cached != null) {
            return (Rendered) cached;
        }
        return (Rendered) family.installCache(slot, new Rendered(render(family, format, alloc)));
    }

    /** Renders a family: the stored header and every group's chunk, in one buffer of exactly their size. */
    private static ByteBuf render(FamilySnapshot family, ExpositionFormat format, ByteBufAllocator alloc) {
        final FamilyHeader header = family.header();
        final ByteBuf out;
        if (format == ExpositionFormat.TEXT) {
            final int size = Math.toIntExact(header.textLength() + family.textBytes());
            out = alloc.directBuffer(size, size);
            out.writeBytes(header.bytes(), 0, header.textLength());
            family.chunks().forEach(chunk -> out.writeBytes(chunk.bytes(), 0, chunk.textLength()));
        } else if (format == ExpositionFormat.OPENMETRICS) {
            final List<Metrics.Metric> metrics = new ArrayList<>(family.seriesCount());
            family.chunks().forEach(chunk -> metrics.addAll(metrics(chunk)));
            final ByteBuf rendered = alloc.directBuffer(Math.toIntExact(Math.min(Integer.MAX_VALUE / 2,
                    header.textLength() + 2 * family.textBytes())));
            try {
                final String error = OpenMetricsWriter.writeFamily(rendered, family.name(), family.help(),
                        family.type(), metrics, new StringBuilder(32));
                if (error != null) {
                    throw new UnrepresentableFamilyException(family.name(), format, error);
                }
                out = alloc.directBuffer(rendered.readableBytes(), rendered.readableBytes()).writeBytes(rendered);
            } finally {
                rendered.release();
            }
        } else {
            final long length = header.protoLength() + family.protoBytes();
            final int size = Math.toIntExact(ProtoWriter.lengthPrefixSize(length) + length);
            out = alloc.directBuffer(size, size);
            ProtoWriter.writeLengthPrefix(out, length);
            out.writeBytes(header.bytes(), header.textLength(), header.protoLength());
            family.chunks().forEach(chunk -> out.writeBytes(chunk.bytes(), chunk.textLength(), chunk.protoLength()));
        }
        return out;
    }

    /** The metrics of one group's chunk, parsed from its protobuf fields. */
    static List<Metrics.Metric> metrics(EncodedFamily chunk) {
        try {
            return Metrics.MetricFamily.parseFrom(chunk.bytes().nioBuffer(chunk.textLength(), chunk.protoLength()))
                    .getMetricList();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a stored chunk of " + chunk.name() + " does not parse", e);
        }
    }

    /** The family's gzip segment from its cache, built from its plain rendering if no scrape did it yet. */
    private static GzipSegment gzipSegment(FamilySnapshot family, ExpositionFormat format, Deflater deflater,
                                           ByteBufAllocator alloc) {
        final int slot = slot(format, true);
        final ScrapeCache cached = family.cache(slot);
        if (cached != null) {
            return (GzipSegment) cached;
        }
        final SegmentWriter writer = new SegmentWriter(deflater, alloc);
        final ScrapeCache plain = family.cache(slot(format, false));
        if (plain != null) {
            writer.write(((Rendered) plain).bytes);
        } else {
            final ByteBuf bytes = render(family, format, alloc);
            try {
                writer.write(bytes);
            } finally {
                bytes.release();
            }
        }
        return (GzipSegment) family.installCache(slot, writer.finish());
    }

    // ------------------------------------------------------------------ outputs

    /** Where the families of a scrape go, in order. */
    private abstract static class Output {
        final ExpositionFormat format;
        final ByteBufAllocator alloc;
        final Pieces pieces;

        Output(ExpositionFormat format, ByteBufAllocator alloc, Consumer<ByteBuf> sink) {
            this.format = format;
            this.alloc = alloc;
            this.pieces = new Pieces(alloc, sink);
        }

        /** A stored family, sent from its caches. */
        abstract void family(FamilySnapshot family);

        /** A family rendered for this scrape only; takes ownership of {@code bytes}. */
        abstract void uncached(ByteBuf bytes);

        void finish() {
            pieces.flush();
        }

        void close() {
            pieces.discard();
        }
    }

    private static final class PlainOutput extends Output {
        PlainOutput(ExpositionFormat format, ByteBufAllocator alloc, Consumer<ByteBuf> sink) {
            super(format, alloc, sink);
        }

        @Override
        void family(FamilySnapshot family) {
            pieces.add(cachedRendering(family, format, alloc).bytes.retainedDuplicate());
        }

        @Override
        void uncached(ByteBuf bytes) {
            pieces.add(bytes);
        }
    }

    private static final class GzipOutput extends Output {
        private final Deflater deflater = new Deflater(GZIP_LEVEL, true);
        private long crc;
        private long length;

        GzipOutput(ExpositionFormat format, ByteBufAllocator alloc, Consumer<ByteBuf> sink) {
            super(format, alloc, sink);
            pieces.add(alloc.directBuffer(GZIP_HEADER.length).writeBytes(GZIP_HEADER));
        }

        @Override
        void family(FamilySnapshot family) {
            final GzipSegment segment = gzipSegment(family, format, deflater, alloc);
            add(segment);
            pieces.add(segment.deflated.retainedDuplicate());
        }

        @Override
        void uncached(ByteBuf bytes) {
            final SegmentWriter writer = new SegmentWriter(deflater, alloc);
            try {
                writer.write(bytes);
            } finally {
                bytes.release();
            }
            final GzipSegment segment = writer.finish();
            add(segment);
            pieces.add(segment.deflated);
        }

        private void add(GzipSegment segment) {
            crc = Crc32Combine.combine(crc, segment.crc, segment.length);
            length += segment.length;
        }

        @Override
        void finish() {
            final ByteBuf trailer = alloc.directBuffer(FINAL_EMPTY_BLOCK.length + 8);
            trailer.writeBytes(FINAL_EMPTY_BLOCK).writeIntLE((int) crc).writeIntLE((int) length);
            pieces.add(trailer);
            super.finish();
        }

        @Override
        void close() {
            deflater.end();
            super.close();
        }
    }

    // ------------------------------------------------------------------ gzip segments

    /** A family's exposition as a deflate segment ending on a sync flush, with the CRC-32 and length of its bytes. */
    static final class GzipSegment implements ScrapeCache {
        final ByteBuf deflated;
        final long crc;
        final long length;

        GzipSegment(ByteBuf deflated, long crc, long length) {
            this.deflated = deflated;
            this.crc = crc;
            this.length = length;
        }

        @Override
        public void release() {
            deflated.release();
        }
    }

    /** Deflates bytes into one segment that ends byte-aligned, without a final block. */
    private static final class SegmentWriter {
        private final Deflater deflater;
        private final ByteBuf out;
        private final CRC32 crc = new CRC32();
        private long length;

        SegmentWriter(Deflater deflater, ByteBufAllocator alloc) {
            this.deflater = deflater;
            deflater.reset();
            this.out = alloc.directBuffer(DEFLATE_OUT_CHUNK);
        }

        void write(ByteBuf bytes) {
            if (!bytes.isReadable()) {
                return;
            }
            for (ByteBuffer nio : bytes.nioBuffers()) {
                length += nio.remaining();
                crc.update(nio.duplicate());
                deflater.setInput(nio);
                while (!deflater.needsInput()) {
                    deflate(Deflater.NO_FLUSH);
                }
                nio.position(nio.limit());
            }
        }

        GzipSegment finish() {
            // a sync flush ends the segment on a byte boundary with an empty stored block, so that segments
            // compressed independently concatenate into one valid deflate stream
            while (deflate(Deflater.SYNC_FLUSH)) {
                // the output space was filled: flush on into more space
            }
            final ByteBuf exact = out.alloc().directBuffer(out.readableBytes(), out.readableBytes());
            exact.writeBytes(out);
            out.release();
            return new GzipSegment(exact, crc.getValue(), length);
        }

        /** Deflates into the free space of {@code out}; {@code true} when it filled all of it. */
        private boolean deflate(int flush) {
            out.ensureWritable(DEFLATE_OUT_CHUNK);
            final int space = out.writableBytes();
            final ByteBuffer target = out.nioBuffer(out.writerIndex(), space);
            final int n = deflater.deflate(target, flush);
            out.writerIndex(out.writerIndex() + n);
            return n == space;
        }
    }

    /** Gathers buffers into composites and hands each full one to the sink. */
    private static final class Pieces {
        private final ByteBufAllocator alloc;
        private final Consumer<ByteBuf> sink;
        private CompositeByteBuf composite;

        Pieces(ByteBufAllocator alloc, Consumer<ByteBuf> sink) {
            this.alloc = alloc;
            this.sink = sink;
        }

        void add(ByteBuf buf) {
            if (composite == null) {
                composite = alloc.compositeDirectBuffer(MAX_COMPONENTS);
            }
            composite.addComponent(true, buf);
            if (composite.numComponents() >= MAX_COMPONENTS) {
                flush();
            }
        }

        void flush() {
            if (composite != null) {
                final CompositeByteBuf full = composite;
                composite = null;
                sink.accept(full);
            }
        }

        /** Releases what was gathered but not handed over (the scrape failed half way). */
        void discard() {
            if (composite != null) {
                composite.release();
                composite = null;
            }
        }
    }
}
