package io.cairn.core.scrape;

import io.cairn.core.render.TextWriter;
import io.cairn.core.render.EncodedFamily;
import io.cairn.core.store.FamilySnapshot;
import io.cairn.core.store.GroupStore;
import io.cairn.core.store.ScrapeCache;
import io.cairn.core.store.StoreSnapshot;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Composes a text 0.0.4 scrape from a store snapshot without formatting a sample: families in name order, each
 * once, merged with the gateway's own families.
 *
 * <h2>Per-family scrape caches</h2>
 * A family that did not change since the last scrape is sent from its {@link ScrapeCache}: its header and every
 * group's pre-serialized lines concatenated in one buffer (plain scrapes), or that text compressed into a
 * self-contained deflate segment ending on a sync flush (gzip scrapes), with its CRC-32 and length. The first
 * scrape after a change builds the cache; later scrapes send it by reference, so a scrape of an idle store
 * costs about as much as sending a file. A gzip scrape is one gzip member: header, the families' segments, a
 * final empty block, and a trailer whose CRC-32 is combined from the segments' CRCs.
 *
 * <p>The snapshot is pinned only while the pieces are retained; the pieces handed to the sink keep the bytes
 * alive on their own until they are written and released.
 */
public final class TextScrapeComposer {
    static final int MAX_COMPONENTS = 1024;
    /** Fast compression: a changed family is compressed again at its next scrape. */
    static final int GZIP_LEVEL = 1;
    private static final int DEFLATE_OUT_CHUNK = 32 * 1024;
    private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    /** A final, empty block with fixed Huffman codes: what {@code Deflater.finish()} writes for no input. */
    private static final byte[] FINAL_EMPTY_BLOCK = {0x03, 0x00};

    private TextScrapeComposer() {
    }

    /**
     * Hands the plain text exposition to {@code sink} piece by piece; the sink owns each piece. The own families
     * must be sorted by name; their buffers are consumed.
     */
    public static void compose(GroupStore store, List<OwnFamily> own, ByteBufAllocator alloc,
                               Consumer<ByteBuf> sink) {
        final Pieces pieces = new Pieces(alloc, sink);
        try (StoreSnapshot snapshot = store.acquire()) {
            int o = 0;
            for (int f = 0; f < snapshot.familyCount(); f++) {
                final FamilySnapshot family = snapshot.family(f);
                while (o < own.size() && own.get(o).name().compareTo(family.name()) < 0) {
                    pieces.ownFamily(own.get(o++));
                }
                if (o < own.size() && own.get(o).name().equals(family.name())) {
                    // a pushed family named like one of the gateway's: merged under the gateway's header
                    pieces.ownFamily(own.get(o++));
                    family.chunks().forEach(pieces::chunk);
                } else if (family.seriesCount() > 0) {
                    pieces.add(textCache(family, alloc).bytes.retainedDuplicate());
                }
            }
            while (o < own.size()) {
                pieces.ownFamily(own.get(o++));
            }
        }
        pieces.flush();
    }

    /** As {@link #compose}, gzip-compressed: the pieces form one gzip member. */
    public static void composeGzip(GroupStore store, List<OwnFamily> own, ByteBufAllocator alloc,
                                   Consumer<ByteBuf> sink) {
        final Pieces pieces = new Pieces(alloc, sink);
        final Deflater deflater = new Deflater(GZIP_LEVEL, true);
        long crc = 0;
        long length = 0;
        try {
            pieces.add(alloc.directBuffer(GZIP_HEADER.length).writeBytes(GZIP_HEADER));
            try (StoreSnapshot snapshot = store.acquire()) {
                int o = 0;
                for (int f = 0; f < snapshot.familyCount(); f++) {
                    final FamilySnapshot family = snapshot.family(f);
                    while (o < own.size() && own.get(o).name().compareTo(family.name()) < 0) {
                        final GzipSegment segment = ownSegment(own.get(o++), null, deflater, alloc);
                        crc = Crc32Combine.combine(crc, segment.crc, segment.length);
                        length += segment.length;
                        pieces.add(segment.deflated);
                    }
                    final GzipSegment segment;
                    final boolean cached;
                    if (o < own.size() && own.get(o).name().equals(family.name())) {
                        segment = ownSegment(own.get(o++), family, deflater, alloc);
                        cached = false;
                    } else if (family.seriesCount() > 0) {
                        segment = gzipCache(family, deflater, alloc);
                        cached = true;
                    } else {
                        continue;
                    }
                    crc = Crc32Combine.combine(crc, segment.crc, segment.length);
                    length += segment.length;
                    pieces.add(cached ? segment.deflated.retainedDuplicate() : segment.deflated);
                }
                while (o < own.size()) {
                    final GzipSegment segment = ownSegment(own.get(o++), null, deflater, alloc);
                    crc = Crc32Combine.combine(crc, segment.crc, segment.length);
                    length += segment.length;
                    pieces.add(segment.deflated);
                }
            }
            final ByteBuf trailer = alloc.directBuffer(FINAL_EMPTY_BLOCK.length + 8);
            trailer.writeBytes(FINAL_EMPTY_BLOCK).writeIntLE((int) crc).writeIntLE((int) length);
            pieces.add(trailer);
        } finally {
            deflater.end();
        }
        pieces.flush();
    }

    // ------------------------------------------------------------------ caches

    /** A family's whole text in one buffer. */
    static final class TextCache implements ScrapeCache {
        final ByteBuf bytes;

        TextCache(ByteBuf bytes) {
            this.bytes = bytes;
        }

        @Override
        public void release() {
            bytes.release();
        }
    }

    /** A family's text as a deflate segment ending on a sync flush, with the CRC-32 and length of the text. */
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

    private static TextCache textCache(FamilySnapshot family, ByteBufAllocator alloc) {
        final ScrapeCache cached = family.textCache();
        if (cached != null) {
            return (TextCache) cached;
        }
        final int size = Math.toIntExact(family.textBytes());
        final ByteBuf bytes = alloc.directBuffer(size, size);
        final ByteBuf header = family.header();
        bytes.writeBytes(header, header.readerIndex(), header.readableBytes());
        family.chunks().forEach(chunk -> {
            final ByteBuf text = chunk.text();
            bytes.writeBytes(text, text.readerIndex(), text.readableBytes());
        });
        return (TextCache) family.installTextCache(new TextCache(bytes));
    }

    private static GzipSegment gzipCache(FamilySnapshot family, Deflater deflater, ByteBufAllocator alloc) {
        final ScrapeCache cached = family.gzipCache();
        if (cached != null) {
            return (GzipSegment) cached;
        }
        final SegmentWriter writer = new SegmentWriter(deflater, alloc);
        final ScrapeCache text = family.textCache();
        if (text != null) {
            writer.write(((TextCache) text).bytes);
        } else {
            writer.write(family.header());
            family.chunks().forEach(chunk -> writer.write(chunk.text()));
        }
        return (GzipSegment) family.installGzipCache(writer.finish());
    }

    /** The segment of an own family, merged with the pushed family of the same name if there is one. */
    private static GzipSegment ownSegment(OwnFamily own, FamilySnapshot pushed, Deflater deflater,
                                          ByteBufAllocator alloc) {
        final SegmentWriter writer = new SegmentWriter(deflater, alloc);
        final ByteBuf header = header(own, alloc);
        try {
            writer.write(header);
            writer.write(own.lines());
        } finally {
            header.release();
            own.lines().release();
        }
        if (pushed != null) {
            pushed.chunks().forEach(chunk -> writer.write(chunk.text()));
        }
        return writer.finish();
    }

    /** The {@code # HELP}/{@code # TYPE} header of an own family, rendered for this scrape; the caller owns it. */
    private static ByteBuf header(OwnFamily family, ByteBufAllocator alloc) {
        final ByteBuf header = alloc.directBuffer(128);
        TextWriter.writeHeader(header, family.name(), family.help(), family.type().textName());
        return header;
    }

    /** Deflates text into one segment that ends byte-aligned, without a final block. */
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

        void write(ByteBuf text) {
            if (!text.isReadable()) {
                return;
            }
            for (ByteBuffer nio : text.nioBuffers()) {
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

        void ownFamily(OwnFamily family) {
            add(header(family, alloc));
            add(family.lines());
        }

        void chunk(EncodedFamily chunk) {
            final ByteBuf text = chunk.text();
            if (text.isReadable()) {
                add(text.retainedDuplicate());
            }
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
    }
}
