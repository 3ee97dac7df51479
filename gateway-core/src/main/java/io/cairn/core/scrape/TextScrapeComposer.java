package io.cairn.core.scrape;

import io.cairn.core.render.TextWriter;
import io.cairn.core.store.FamilyChunk;
import io.cairn.core.store.FamilySnapshot;
import io.cairn.core.store.GroupStore;
import io.cairn.core.store.SlotVector;
import io.cairn.core.store.StoreSnapshot;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

import java.util.List;
import java.util.function.Consumer;

/**
 * Composes a text 0.0.4 scrape from a store snapshot without formatting or copying a sample: each family's
 * pre-serialized header, then every group's pre-serialized chunk of that family, as retained slices gathered into
 * composite buffers of at most {@value #MAX_COMPONENTS} components. Families come in name order, each once,
 * merged with the gateway's own families.
 *
 * <p>The snapshot is pinned only while the slices are retained; the pieces handed to the sink keep the bytes
 * alive on their own until they are written and released.
 */
public final class TextScrapeComposer {
    static final int MAX_COMPONENTS = 1024;

    private TextScrapeComposer() {
    }

    /**
     * Hands the exposition to {@code sink} piece by piece; the sink owns each piece. The own families must be
     * sorted by name; their buffers are consumed (released or passed on).
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
                    pieces.ownFamily(own.get(o++));
                    pieces.chunks(family.chunks());
                } else if (family.seriesCount() > 0) {
                    pieces.add(family.header().retainedDuplicate());
                    pieces.chunks(family.chunks());
                }
            }
            while (o < own.size()) {
                pieces.ownFamily(own.get(o++));
            }
        }
        pieces.flush();
    }

    /** Gathers retained slices into composites and hands each full one to the sink. */
    private static final class Pieces {
        private final ByteBufAllocator alloc;
        private final Consumer<ByteBuf> sink;
        private CompositeByteBuf composite;

        Pieces(ByteBufAllocator alloc, Consumer<ByteBuf> sink) {
            this.alloc = alloc;
            this.sink = sink;
        }

        void ownFamily(OwnFamily family) {
            final ByteBuf header = alloc.directBuffer(128);
            TextWriter.writeHeader(header, family.name(), family.help(), family.type().textName());
            add(header);
            add(family.lines());
        }

        void chunks(SlotVector<FamilyChunk> chunks) {
            chunks.forEach(this::chunk);
        }

        private void chunk(FamilyChunk chunk) {
            final ByteBuf text = chunk.family().text();
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
