package io.cairn.core.scrape;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.MetricType;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushedFamily;
import io.cairn.core.render.PushEncoder;
import io.cairn.core.store.GroupStore;
import io.cairn.core.store.StoreCommand;
import io.cairn.core.testing.LeakRecorder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextScrapeComposerTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    @AfterAll
    static void noLeaks() {
        LeakRecorder.assertNoLeaks();
    }

    @Test
    void shouldSendTheSameTextFromCachesAfterChangesAndCompressed() throws IOException {
        LeakRecorder.install();
        final GroupStore store = new GroupStore(ALLOC, Map.of());
        final PushEncoder encoder = new PushEncoder();
        try {
            for (int i = 0; i < 300; i++) {
                push(store, encoder, "g" + i, i);
            }
            final String first = plain(store, List.of());
            assertTrue(first.contains("a{instance=\"\",job=\"g299\"} 299\n"), first);
            assertEquals(first, plain(store, List.of()), "served from the text caches");
            assertEquals(first, gunzip(store, List.of()), "compressed, segments built");
            assertEquals(first, gunzip(store, List.of()), "compressed, from the segment caches");

            push(store, encoder, "g7", 1000);
            final String changed = plain(store, List.of());
            assertTrue(changed.contains("a{instance=\"\",job=\"g7\"} 1000\n"), "caches follow the change");
            assertEquals(changed, gunzip(store, List.of()));
        } finally {
            store.onClose();
        }
    }

    @Test
    void shouldMergeOwnFamiliesByNameInBothForms() throws IOException {
        LeakRecorder.install();
        final GroupStore store = new GroupStore(ALLOC, Map.of("b", MetricType.GAUGE));
        final PushEncoder encoder = new PushEncoder();
        try {
            push(store, encoder, "j", 5);
            final String plain = plain(store, own());
            assertEquals(plain, gunzip(store, own()));
            // own "0own" before everything, own "b" merged with pushed "b", own "zz" last
            assertTrue(plain.startsWith("# HELP 0own Own.\n# TYPE 0own gauge\n0own 1\n# TYPE a gauge\n"), plain);
            assertTrue(plain.contains("# HELP b Own b.\n# TYPE b gauge\nb 1\nb{instance=\"\",job=\"j\"} 5\n"), plain);
            assertTrue(plain.endsWith("# HELP zz Own.\n# TYPE zz gauge\nzz 1\n"), plain);
        } finally {
            store.onClose();
        }
    }

    private static List<OwnFamily> own() {
        final List<OwnFamily> own = new ArrayList<>();
        own.add(new OwnFamily("0own", MetricType.GAUGE, "Own.", lines("0own 1\n")));
        own.add(new OwnFamily("b", MetricType.GAUGE, "Own b.", lines("b 1\n")));
        own.add(new OwnFamily("zz", MetricType.GAUGE, "Own.", lines("zz 1\n")));
        return own;
    }

    private static ByteBuf lines(String text) {
        return ALLOC.directBuffer().writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    private static void push(GroupStore store, PushEncoder encoder, String job, long value) {
        final PushContent content = new PushContent();
        final PushedFamily a = content.addFamily("a");
        a.type(MetricType.GAUGE);
        a.addMetric().value(value);
        final PushedFamily b = content.addFamily("b");
        b.type(MetricType.GAUGE);
        b.addMetric().value(value);
        final GroupingKey key = GroupingKey.of("job", job);
        store.offer(StoreCommand.push(key, true, encoder.encode(key, content, ALLOC), 1_700_000_000_000_000_000L,
                null));
        store.drainAll();
    }

    private static String plain(GroupStore store, List<OwnFamily> own) {
        final StringBuilder sb = new StringBuilder();
        TextScrapeComposer.compose(store, own, ALLOC, piece -> {
            sb.append(piece.toString(StandardCharsets.UTF_8));
            piece.release();
        });
        return sb.toString();
    }

    private static String gunzip(GroupStore store, List<OwnFamily> own) throws IOException {
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        TextScrapeComposer.composeGzip(store, own, ALLOC, piece -> {
            final byte[] b = new byte[piece.readableBytes()];
            piece.readBytes(b);
            bytes.write(b, 0, b.length);
            piece.release();
        });
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
