package io.cairn.core.scrape;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.MetricType;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushedFamily;
import io.cairn.core.model.PushedMetric;
import io.cairn.core.proto.Metrics;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScrapeComposerTest {
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
            // own "_own" before everything, own "b" merged with pushed "b", own "zz" last
            assertTrue(plain.startsWith("# HELP _own Own.\n# TYPE _own gauge\n_own 1\n# TYPE a gauge\n"), plain);
            assertTrue(plain.contains("# HELP b Own b.\n# TYPE b gauge\nb 1\nb{instance=\"\",job=\"j\"} 5\n"), plain);
            assertTrue(plain.endsWith("# HELP zz Own.\n# TYPE zz gauge\nzz 1\n"), plain);
        } finally {
            store.onClose();
        }
    }

    @Test
    void shouldSendEveryGroupsMetricsUnderOneProtobufFamilyMessage() throws IOException {
        LeakRecorder.install();
        final GroupStore store = new GroupStore(ALLOC, Map.of("b", MetricType.GAUGE));
        final PushEncoder encoder = new PushEncoder();
        try {
            for (int i = 0; i < 3; i++) {
                push(store, encoder, "g" + i, i);
            }
            final byte[] plain = protobuf(store, own(), false);
            assertArrayEquals(plain, protobuf(store, own(), false), "served from the protobuf caches");
            assertArrayEquals(plain, gunzipBytes(protobuf(store, own(), true)), "compressed");
            final List<Metrics.MetricFamily> families = parseDelimited(plain);
            final List<String> names = new ArrayList<>();
            for (Metrics.MetricFamily family : families) {
                names.add(family.getName());
            }
            assertEquals(List.of("_own", "a", "b", "push_failure_time_seconds", "push_time_seconds", "zz"), names);
            final Metrics.MetricFamily a = families.get(1);
            assertEquals(Metrics.MetricType.GAUGE, a.getType());
            assertFalse(a.hasHelp(), "no HELP was pushed");
            assertEquals(3, a.getMetricCount());
            final Metrics.Metric first = a.getMetric(0);
            assertEquals(List.of(label("instance", ""), label("job", "g0")), first.getLabelList());
            assertEquals(0.0, first.getGauge().getValue());
            assertEquals(2.0, a.getMetric(2).getGauge().getValue());
            // own "b" (parsed back from its text lines) merged with the pushed "b" under the gateway's header
            final Metrics.MetricFamily b = families.get(2);
            assertEquals("Own b.", b.getHelp());
            assertEquals(4, b.getMetricCount());
            assertEquals(0, b.getMetric(0).getLabelCount());
            assertEquals(1.0, b.getMetric(0).getGauge().getValue());
            final Metrics.MetricFamily pushTime = families.get(4);
            assertEquals(1.7e9, pushTime.getMetric(0).getGauge().getValue());

            push(store, encoder, "g1", 1000);
            final List<Metrics.MetricFamily> changed = parseDelimited(protobuf(store, List.of(), false));
            assertEquals(1000.0, changed.get(0).getMetric(1).getGauge().getValue(), "caches follow the change");
        } finally {
            store.onClose();
        }
    }

    @Test
    void shouldWriteSummariesAndHistogramsOfTextPushesAsGoParsesThem() throws IOException {
        LeakRecorder.install();
        final GroupStore store = new GroupStore(ALLOC, Map.of());
        final PushEncoder encoder = new PushEncoder();
        try {
            final PushContent content = new PushContent();
            final PushedFamily s = content.addFamily("s");
            s.type(MetricType.SUMMARY);
            s.help("");
            final PushedMetric summary = s.addMetric();
            summary.addLabel("x", "1");
            summary.addQuantile(0.5, 1.5);
            summary.sampleCount(-1L); // 2^64 - 1: counts are unsigned
            summary.sampleSum(3);
            final PushedFamily h = content.addFamily("h");
            h.type(MetricType.HISTOGRAM);
            final PushedMetric histogram = h.addMetric();
            histogram.addBucket(1, 2);
            histogram.addBucket(Double.POSITIVE_INFINITY, 300);
            histogram.sampleCount(300);
            histogram.sampleSum(0.25);
            final GroupingKey key = GroupingKey.of("job", "j");
            store.offer(StoreCommand.push(key, true, encoder.encode(key, content, ALLOC), 1, null));
            store.drainAll();

            final List<Metrics.MetricFamily> families = parseDelimited(protobuf(store, List.of(), false));
            final Metrics.Histogram hist = families.get(0).getMetric(0).getHistogram();
            assertEquals(300, hist.getSampleCount());
            assertEquals(0.25, hist.getSampleSum());
            assertEquals(2, hist.getBucketCount());
            assertEquals(Double.POSITIVE_INFINITY, hist.getBucket(1).getUpperBound());
            assertEquals(300, hist.getBucket(1).getCumulativeCount());
            final Metrics.MetricFamily sf = families.get(3);
            assertEquals("s", sf.getName());
            assertTrue(sf.hasHelp(), "an empty HELP is still a HELP");
            final Metrics.Summary sum = sf.getMetric(0).getSummary();
            assertEquals(-1L, sum.getSampleCount());
            assertEquals(1.5, sum.getQuantile(0).getValue());
            assertEquals(List.of(label("instance", ""), label("job", "j"), label("x", "1")),
                    sf.getMetric(0).getLabelList());
        } finally {
            store.onClose();
        }
    }

    private static Metrics.LabelPair label(String name, String value) {
        return Metrics.LabelPair.newBuilder().setName(name).setValue(value).build();
    }

    private static byte[] protobuf(GroupStore store, List<OwnFamily> own, boolean gzip) {
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        ScrapeComposer.compose(store, own, ExpositionFormat.PROTOBUF, gzip, ALLOC, piece -> {
            final byte[] b = new byte[piece.readableBytes()];
            piece.readBytes(b);
            bytes.write(b, 0, b.length);
            piece.release();
        });
        return bytes.toByteArray();
    }

    private static List<Metrics.MetricFamily> parseDelimited(byte[] bytes) throws IOException {
        final ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        final List<Metrics.MetricFamily> families = new ArrayList<>();
        Metrics.MetricFamily family;
        while ((family = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
            families.add(family);
        }
        return families;
    }

    private static byte[] gunzipBytes(byte[] gzipped) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            return in.readAllBytes();
        }
    }

    private static List<OwnFamily> own() {
        final List<OwnFamily> own = new ArrayList<>();
        own.add(new OwnFamily("_own", MetricType.GAUGE, "Own.", lines("_own 1\n")));
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
        ScrapeComposer.compose(store, own, ExpositionFormat.TEXT, false, ALLOC, piece -> {
            sb.append(piece.toString(StandardCharsets.UTF_8));
            piece.release();
        });
        return sb.toString();
    }

    private static String gunzip(GroupStore store, List<OwnFamily> own) throws IOException {
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        ScrapeComposer.compose(store, own, ExpositionFormat.TEXT, true, ALLOC, piece -> {
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
