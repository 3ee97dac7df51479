package io.cairn.core.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.cairn.core.model.MalformedPushException;
import io.cairn.core.model.MetricType;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushDump;
import io.cairn.core.testing.LeakRecorder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bodies the Go Pushgateway 1.5.1 accepts and what it makes of them, and bodies it rejects with the message it
 * answers (each recorded against the 1.5.1 binary; the deliberate differences are listed apart). Every body is decoded
 * twice on the same decoder, from heap and direct chunks, cut at every byte boundary and fed byte by byte: all must
 * agree. Chunks come from the pooled allocator and the decoder must neither retain nor release them.
 */
class DelimitedDecoderTest {
    private static final DelimitedDecoder DECODER = new DelimitedDecoder();
    private static final String LIMIT_EXCEEDED =
        "protobuf message of 34359738367 bytes exceeds the limit of 67108864 bytes";

    private final PushContent content = new PushContent();

    @AfterAll
    static void shouldLeakNoBuffer() {
        LeakRecorder.assertNoLeaks();
    }

    // -----------------------------------------------------------------------------------------------------------
    // accepted bodies
    // -----------------------------------------------------------------------------------------------------------

    @Test
    void shouldDecodeEveryMetricType() throws MalformedPushException {
        final byte[] body = body(
            family("requests_total", Metrics.MetricType.COUNTER).setHelp("Requests served.")
                .addMetric(metric("method", "get", "code", "200").setTimestampMs(1395066363000L)
                    .setCounter(Metrics.Counter.newBuilder().setValue(1027)))
                .addMetric(metric("method", "post").setCounter(Metrics.Counter.newBuilder().setValue(3))),
            family("temperature", Metrics.MetricType.GAUGE)
                .addMetric(metric().setGauge(Metrics.Gauge.newBuilder().setValue(-3.5))),
            family("thing", Metrics.MetricType.UNTYPED)
                .addMetric(metric("z", "1", "a", "2").setUntyped(Metrics.Untyped.newBuilder().setValue(1))),
            family("rpc_seconds", Metrics.MetricType.SUMMARY)
                .addMetric(metric("a", "b").setSummary(Metrics.Summary.newBuilder().setSampleCount(7).setSampleSum(3.5)
                    .addQuantile(quantile(0.5, 1.25)).addQuantile(quantile(0.9, 2)))),
            family("size_bytes", Metrics.MetricType.HISTOGRAM)
                .addMetric(metric().setHistogram(Metrics.Histogram.newBuilder().setSampleCount(-1L).setSampleSum(4.5)
                    .addBucket(bucket(1, 1)).addBucket(bucket(Double.POSITIVE_INFINITY, 3)))));
        assertEquals(""
                + "requests_total COUNTER help=Requests served.\n"
                + "  {method=get,code=200} 1027.0 @1395066363000\n"
                + "  {method=post} 3.0\n"
                + "temperature GAUGE\n"
                + "  {} -3.5\n"
                + "thing UNTYPED\n"
                + "  {z=1,a=2} 1.0\n"
                + "rpc_seconds SUMMARY\n"
                + "  {a=b} q0.5=1.25 q0.9=2.0 sum=3.5 count=7\n"
                + "size_bytes HISTOGRAM\n"
                + "  {} le1.0=1 leInfinity=3 sum=4.5 count=18446744073709551615\n",
            decode(body));
    }

    @Test
    void shouldKeepEachMetricMessageAsItsSource() throws MalformedPushException {
        final Metrics.Metric nativeHistogram = metric("a", "b").setHistogram(Metrics.Histogram.newBuilder()
            .setSampleCount(5).setSampleSum(10).setSchema(3).setZeroThreshold(1e-128).setZeroCount(1)
            .addNegativeSpan(span(-2, 1)).addNegativeDelta(1)
            .addPositiveSpan(span(0, 2)).addPositiveDelta(2).addPositiveDelta(-1)
            .setCreatedTimestamp(Timestamp.newBuilder().setSeconds(1700000000).setNanos(5))
            .addExemplars(Metrics.Exemplar.newBuilder().addLabel(label("trace_id", "abc")).setValue(0.5)
                .setTimestamp(Timestamp.newBuilder().setSeconds(1700000001)))).build();
        final Metrics.Metric floatHistogram = metric().setHistogram(Metrics.Histogram.newBuilder()
            .setSampleCountFloat(3).setSampleSum(4.5).setSchema(0).setZeroCountFloat(1)
            .addPositiveSpan(span(0, 2)).addPositiveCount(2).addPositiveCount(2)
            .addBucket(Metrics.Bucket.newBuilder().setUpperBound(1).setCumulativeCountFloat(1))).build();
        final Metrics.Metric counter = metric().setCounter(Metrics.Counter.newBuilder().setValue(2)
            .setExemplar(Metrics.Exemplar.newBuilder().setValue(1))
            .setCreatedTimestamp(Timestamp.newBuilder().setSeconds(1))).build();
        assertEquals(""
                + "h HISTOGRAM\n"
                + "  {a=b} sum=10.0 count=5\n"
                + "  {} le1.0=0 sum=4.5 count=0\n"
                + "c COUNTER\n"
                + "  {} 2.0\n",
            decode(body(family("h", Metrics.MetricType.HISTOGRAM).addMetric(nativeHistogram)
                .addMetric(floatHistogram), family("c", Metrics.MetricType.COUNTER).addMetric(counter))));
        assertEquals(nativeHistogram, content.family("h").metric(0).source());
        assertEquals(floatHistogram, content.family("h").metric(1).source());
        assertEquals(counter, content.family("c").metric(0).source());
    }

    @Test
    void shouldKeepAnExplicitlyEmptyHelpApartFromNone() throws MalformedPushException {
        assertEquals("a GAUGE help=\n  {} 1.0\nb GAUGE\n  {} 1.0\n",
            decode(body(family("a", Metrics.MetricType.GAUGE).setHelp("").addMetric(gauge(1)),
                family("b", Metrics.MetricType.GAUGE).addMetric(gauge(1)))));
        assertEquals("", content.family("a").help());
        assertNull(content.family("b").help());
    }

    @Test
    void shouldTakeAnAbsentTypeForCounterAndAnAbsentNameForEmpty() throws MalformedPushException {
        final Metrics.Metric metric = metric("a", "b").setCounter(Metrics.Counter.newBuilder().setValue(2)).build();
        assertEquals("c COUNTER\n  {a=b} 2.0\n", decode(body(Metrics.MetricFamily.newBuilder().setName("c")
            .addMetric(metric))));
        assertEquals(" COUNTER\n  {a=b} 2.0\n", decode(body(Metrics.MetricFamily.newBuilder().addMetric(metric))));
    }

    @Test
    void shouldLeaveZerosWhenAMetricLacksTheFieldOfItsFamilyType() throws MalformedPushException {
        final Metrics.Metric counterOnly = metric().setCounter(Metrics.Counter.newBuilder().setValue(2)).build();
        final Metrics.Metric gaugeOnly = gauge(3);
        assertEquals("g GAUGE\n  {} 0.0\n  {} 0.0\ns SUMMARY\n  {} sum=0.0 count=0\n",
            decode(body(family("g", Metrics.MetricType.GAUGE).addMetric(counterOnly).addMetric(metric()),
                family("s", Metrics.MetricType.SUMMARY).addMetric(gaugeOnly))));
        assertEquals(counterOnly, content.family("g").metric(0).source(), "the encoder's consistency check reads it");
        assertEquals(gaugeOnly, content.family("s").metric(0).source());
    }

    @Test
    void shouldLetALaterFamilyReplaceAnEarlierOneOfTheSameName() throws MalformedPushException {
        assertEquals(""
                + "d COUNTER help=second\n"
                + "  {a=2} 2.0\n"
                + "e GAUGE\n"
                + "  {} 1.0\n",
            decode(body(
                family("d", Metrics.MetricType.GAUGE).setHelp("first").addMetric(gauge(1, "a", "1"))
                    .addMetric(gauge(5, "a", "5")),
                family("e", Metrics.MetricType.GAUGE).addMetric(gauge(1)),
                family("d", Metrics.MetricType.COUNTER).setHelp("second")
                    .addMetric(metric("a", "2").setCounter(Metrics.Counter.newBuilder().setValue(2))))));
        assertEquals("d GAUGE\n  {a=2} 2.0\n",
            decode(body(family("d", Metrics.MetricType.GAUGE).setHelp("first").addMetric(gauge(1)),
                family("d", Metrics.MetricType.GAUGE).addMetric(gauge(2, "a", "2")))), "the HELP goes too");
        assertEquals("d GAUGE\n",
            decode(body(family("d", Metrics.MetricType.GAUGE).addMetric(gauge(1)),
                family("d", Metrics.MetricType.GAUGE))), "an empty family replaces too, as in Go");
    }

    @Test
    void shouldTakeAnEmptyMessageForAFamilyWithoutNameOrMetrics() throws MalformedPushException {
        assertEquals("", decode(new byte[0]));
        assertEquals(" COUNTER\n", decode(bytes(0x00)), "Go stores metricFamilies[\"\"] too");
        assertEquals(" COUNTER\ng GAUGE\n  {} 1.0\n",
            decode(concat(bytes(0x00), body(family("g", Metrics.MetricType.GAUGE).addMetric(gauge(1))), bytes(0x00))));
    }

    @Test
    void shouldAcceptALengthPrefixThatIsNotMinimal() throws MalformedPushException {
        final byte[] message = family("g", Metrics.MetricType.GAUGE).addMetric(gauge(1)).build().toByteArray();
        assertEquals("g GAUGE\n  {} 1.0\n", decode(concat(bytes(message.length | 0x80, 0x80, 0x00), message)));
    }

    @Test
    void shouldDecodeAMessageThatSpansManyChunks() throws MalformedPushException {
        final Metrics.MetricFamily.Builder big = family("big", Metrics.MetricType.GAUGE).setHelp("h".repeat(70_000));
        for (int i = 0; i < 20_000; i++) {
            big.addMetric(gauge(i, "instance", "host-" + i, "path", "/api/v1/" + i));
        }
        final byte[] body = body(family("small", Metrics.MetricType.GAUGE).addMetric(gauge(1)), big,
            family("after", Metrics.MetricType.GAUGE).addMetric(gauge(2)));
        assertTrue(body.length > 1 << 20, "body of " + body.length + " bytes");
        final DelimitedDecoder decoder = new DelimitedDecoder();
        feedAll(decoder, body, body.length, false);
        final String expected = dump(content);
        final List<Metrics.Metric> sources = sources(content);
        for (int chunkBytes : new int[] {113, 1000, 8192, 65_536}) {
            feedAll(decoder, body, chunkBytes, chunkBytes % 2 == 0);
            assertEquals(expected, dump(content), "chunks of " + chunkBytes);
            assertEquals(sources, sources(content), "chunks of " + chunkBytes);
        }
        assertEquals(20_000, content.family("big").metricCount());
        assertEquals("host-19999", content.family("big").metric(19_999).labelValue(0));
    }

    @Test
    void shouldCopyWhatItKeepsOutOfTheChunk() throws MalformedPushException {
        final byte[] body = body(family("g", Metrics.MetricType.GAUGE).setHelp("help")
            .addMetric(gauge(1, "label", "value")));
        final ByteBuf chunk = Unpooled.wrappedBuffer(body.clone());
        try {
            content.reset();
            DECODER.reset(content);
            DECODER.feed(chunk);
            DECODER.finish();
            chunk.setZero(0, chunk.capacity());
        } finally {
            chunk.release();
        }
        assertEquals("g GAUGE help=help\n  {label=value} 1.0\n", dump(content));
    }

    @Test
    void shouldAcceptAMessageOfExactlyTheLimit() throws MalformedPushException {
        final byte[] message = family("g", Metrics.MetricType.GAUGE).addMetric(gauge(1)).build().toByteArray();
        final byte[] body = concat(bytes(message.length), message);
        assertNull(errorOf(new DelimitedDecoder(message.length), body, false));
        assertEquals("protobuf message of " + message.length + " bytes exceeds the limit of " + (message.length - 1)
            + " bytes", errorOf(new DelimitedDecoder(message.length - 1), body, false));
    }

    @Test
    void shouldNotAllocateWhatALengthPrefixAnnounces() {
        final DelimitedDecoder decoder = new DelimitedDecoder(Integer.MAX_VALUE);
        // 2^31 - 1 bytes announced, 8 bytes sent: the test JVM (-Xmx1g) could not even allocate the announced length
        final byte[] body = concat(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x07), bytes(0x0A, 0x01, 'a', 0x12, 0x00, 0, 0, 0));
        assertThrows(MalformedPushException.class, () -> feedAll(decoder, body, body.length, false)); // warm up
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long before = threads.getCurrentThreadAllocatedBytes();
        final MalformedPushException e = assertThrows(MalformedPushException.class,
            () -> feedAll(decoder, body, body.length, false));
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(DelimitedDecoder.UNEXPECTED_EOF, e.getMessage());
        assertTrue(allocated < 1 << 20, "allocated " + allocated + " bytes for a prefix announcing 2 GiB");
    }

    // -----------------------------------------------------------------------------------------------------------
    // rejected bodies
    // -----------------------------------------------------------------------------------------------------------

    /** A malformed body and the message it is answered with. */
    static final class Rejection {
        final String name;
        final byte[] body;
        final String message;

        Rejection(String name, byte[] body, String message) {
            this.name = name;
            this.body = body;
            this.message = message;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final byte[] GOOD = body(family("g", Metrics.MetricType.GAUGE).addMetric(gauge(1, "a", "b")));
    private static final String EOF = DelimitedDecoder.UNEXPECTED_EOF;

    /** Answered exactly as by the Go Pushgateway 1.5.1. */
    static Stream<Rejection> goRejections() {
        return Stream.of(
            row("length past the end of the body", bytes(0x10, 0x0A, 0x02), EOF),
            row("length past the end, after a family", concat(GOOD, bytes(0x10, 0x0A, 0x02)), EOF),
            row("length prefix of 6 bytes", concat(GOOD, bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01), new byte[8]),
                DelimitedDecoder.INVALID_VARINT32),
            row("length prefix of 10 bytes", concat(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01),
                new byte[8]), DelimitedDecoder.INVALID_VARINT32),
            row("length prefix of 5 continuation bytes, then the end", bytes(0x80, 0x80, 0x80, 0x80, 0x80),
                DelimitedDecoder.INVALID_VARINT32),
            row("wire type 7", delimited(bytes(0x0F)), "proto: can't skip unknown wire type 7"),
            row("wire type 6", delimited(bytes(0x0E)), "proto: can't skip unknown wire type 6"),
            row("wire type 7 on the metric field", delimited(bytes(0x27)), "proto: can't skip unknown wire type 7"),
            row("wire type 7, then a family", concat(GOOD, delimited(bytes(0x0F)), GOOD),
                "proto: can't skip unknown wire type 7"),
            row("end-group tag outside a group", delimited(bytes(0x0C)), "proto: can't skip unknown wire type 4"),
            row("end-group tag of an unknown field", delimited(concat(field(1, "g"), bytes(0x4C))),
                "proto: can't skip unknown wire type 4"),
            row("wire type 7 in a metric", withMetric(bytes(0x0F)), "proto: can't skip unknown wire type 7"),
            row("wire type 7 in a label", withMetric(field(1, bytes(0x0F))), "proto: can't skip unknown wire type 7"),
            row("wire type 7 in a gauge", withMetric(field(2, bytes(0x0F))), "proto: can't skip unknown wire type 7"),
            row("wire type 7 in an exemplar timestamp", withMetric(field(3, field(2, field(3, bytes(0x0F))))),
                "proto: can't skip unknown wire type 7"),
            row("end-group tag in an exemplar timestamp", withMetric(field(3, field(2, field(3, bytes(0x0C))))),
                "proto: can't skip unknown wire type 4"),
            row("tag 0, wire type 2", delimited(bytes(0x02, 0x01, 'a')),
                "proto: io_prometheus_client.MetricFamily: illegal tag 0 (wire type 2)"),
            row("tag 0, wire type 7", delimited(bytes(0x07)),
                "proto: io_prometheus_client.MetricFamily: illegal tag 0 (wire type 7)"),
            row("tag 0, wire type 4", delimited(bytes(0x04)),
                "proto: io_prometheus_client.MetricFamily: illegal tag 0 (wire type 4)"),
            row("tag 0 in a metric", withMetric(bytes(0x00, 0x01)),
                "proto: io_prometheus_client.Metric: illegal tag 0 (wire type 0)"),
            row("tag 0 in a label", withMetric(field(1, bytes(0x02, 0x01, 'a'))),
                "proto: io_prometheus_client.LabelPair: illegal tag 0 (wire type 2)"),
            row("tag 0 in a gauge", withMetric(field(2, bytes(0x00, 0x00))),
                "proto: io_prometheus_client.Gauge: illegal tag 0 (wire type 0)"),
            row("tag 0 in a counter", withMetric(field(3, bytes(0x00, 0x00))),
                "proto: io_prometheus_client.Counter: illegal tag 0 (wire type 0)"),
            row("tag 0 in an exemplar", withMetric(field(3, field(2, bytes(0x00, 0x00)))),
                "proto: io_prometheus_client.Exemplar: illegal tag 0 (wire type 0)"),
            row("tag 0 in an exemplar label", withMetric(field(3, field(2, field(1, bytes(0x00, 0x00))))),
                "proto: io_prometheus_client.LabelPair: illegal tag 0 (wire type 0)"),
            row("tag 0 in an exemplar timestamp", withMetric(field(3, field(2, field(3, bytes(0x00, 0x00))))),
                "proto: timestamp.Timestamp: illegal tag 0 (wire type 0)"),
            row("tag 0 in a summary", withMetric(field(4, bytes(0x00, 0x00))),
                "proto: io_prometheus_client.Summary: illegal tag 0 (wire type 0)"),
            row("tag 0 in a quantile", withMetric(field(4, field(3, bytes(0x00, 0x00)))),
                "proto: io_prometheus_client.Quantile: illegal tag 0 (wire type 0)"),
            row("tag 0 in an untyped", withMetric(field(5, bytes(0x00, 0x00))),
                "proto: io_prometheus_client.Untyped: illegal tag 0 (wire type 0)"),
            row("tag 0 in a histogram", withMetric(field(7, bytes(0x00, 0x00))),
                "proto: io_prometheus_client.Histogram: illegal tag 0 (wire type 0)"),
            row("tag 0 in a bucket", withMetric(field(7, field(3, bytes(0x00, 0x00)))),
                "proto: io_prometheus_client.Bucket: illegal tag 0 (wire type 0)"),
            row("tag 0 in a bucket span", withMetric(field(7, field(12, bytes(0x00, 0x00)))),
                "proto: io_prometheus_client.BucketSpan: illegal tag 0 (wire type 0)"),
            row("tag 0 in a created timestamp, wire type 7 after it",
                withMetric(concat(field(3, field(3, bytes(0x00, 0x00))), bytes(0x0F))),
                "proto: can't skip unknown wire type 7"),
            row("string past the end of the message", delimited(bytes(0x0A, 0x05, 'a', 'b')), EOF),
            row("tag cut short", delimited(bytes(0xFF)), EOF),
            row("varint cut short", delimited(bytes(0x18, 0xFF)), EOF),
            row("varint of 11 bytes", delimited(concat(bytes(0x18), repeat(0xFF, 10), bytes(0x01))), EOF),
            row("metric past the end of the family", delimited(bytes(0x22, 0x05, 0x0A, 0x01)), EOF),
            row("metric of negative length", delimited(concat(bytes(0x22), repeat(0xFF, 9), bytes(0x01))), EOF),
            row("fixed64 cut short", delimited(concat(field(1, "g"), bytes(0x49, 0x00, 0x00))), EOF),
            row("fixed32 cut short", delimited(concat(field(1, "g"), bytes(0x4D, 0x00, 0x00))), EOF),
            row("packed doubles of 12 bytes", withMetric(field(7, field(14, new byte[12]))), EOF),
            row("packed varints cut short", withMetric(field(7, field(13, bytes(0x80)))), EOF),
            row("group without end", delimited(concat(field(1, "g"), bytes(0x2B, 0x08, 0x01))), EOF),
            row("wire type 7 in a group", delimited(bytes(0x4B, 0x0F, 0x4C)), EOF));
    }

    /** Our deliberate differences: Go accepts these (or crashes); we answer as written here. */
    static Stream<Rejection> deliberateRejections() {
        final String wireFormat = DelimitedDecoder.INVALID_WIRE_FORMAT;
        return Stream.of(
            row("body ending inside a length prefix", concat(GOOD, bytes(0x80)), EOF),
            row("body ending inside a 2-byte length prefix", bytes(0x80, 0x80), EOF),
            row("body ending right after a length prefix", concat(GOOD, bytes(0x05)), EOF),
            row("length prefix of 32 GiB", concat(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x7F), new byte[8]), LIMIT_EXCEEDED),
            row("gauge histogram", body(family("gh", Metrics.MetricType.GAUGE_HISTOGRAM).addMetric(metric()
                    .setHistogram(Metrics.Histogram.newBuilder().setSampleCount(1)))),
                "metric family \"gh\" has type GAUGE_HISTOGRAM, which text format 0.0.4 cannot expose"),
            row("gauge histogram without metrics", body(family("gh", Metrics.MetricType.GAUGE_HISTOGRAM)),
                "metric family \"gh\" has type GAUGE_HISTOGRAM, which text format 0.0.4 cannot expose"),
            row("type 99", delimited(concat(field(1, "c\n"), bytes(0x18, 99))),
                "metric family \"c\\n\" has type 99, which text format 0.0.4 cannot expose"),
            row("type -1", delimited(concat(field(1, "c"), bytes(0x18), repeat(0xFF, 9), bytes(0x01))),
                "metric family \"c\" has type -1, which text format 0.0.4 cannot expose"),
            row("end-group tag of another field", delimited(concat(field(1, "g"), bytes(0x2B, 0x34))), wireFormat),
            row("tag 0 in a created timestamp", withMetric(field(3, field(3, bytes(0x00, 0x00)))), wireFormat),
            row("tag 0 in a group", delimited(bytes(0x4B, 0x00, 0x00, 0x4C)), wireFormat),
            row("field number 2^29", delimited(concat(field(1, "g"), bytes(0x80, 0x80, 0x80, 0x80, 0x10, 0x01))),
                wireFormat),
            row("groups 101 deep", delimited(concat(repeat(0x4B, 101), repeat(0x4C, 101))), wireFormat));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"goRejections", "deliberateRejections"})
    void shouldRejectWithTheMessageEveryWayTheBodyIsCut(Rejection row) {
        for (boolean direct : new boolean[] {false, true}) {
            assertEquals(row.message, errorOf(DECODER, row.body, direct), "whole, direct " + direct);
            assertEquals(row.message, errorOf(DECODER, row.body, direct), "second run, direct " + direct);
            for (int cut = 0; cut <= row.body.length; cut++) {
                assertEquals(row.message, errorOf(DECODER, row.body, direct, cut), "cut at " + cut);
            }
            final MalformedPushException e = assertThrows(MalformedPushException.class,
                () -> feedAll(DECODER, row.body, 1, direct));
            assertEquals(row.message, e.getMessage(), "byte by byte, direct " + direct);
        }
    }

    @Test
    void shouldAcceptA10ByteVarintThatGoRejects() throws MalformedPushException {
        // golang/protobuf 1.3 wants the 10th byte of a varint to be 0 or 1 ("unexpected EOF"); protobuf-java does not
        final byte[] body = delimited(concat(field(1, "g"), bytes(0x18, 0x01, 0x28), repeat(0xFF, 9), bytes(0x02),
            field(4, field(2, bytes(0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F)))));
        assertEquals("g GAUGE\n  {} 1.0\n", decode(body));
    }

    @Test
    void shouldHaveNoStackTrace() {
        final MalformedPushException e = assertThrows(MalformedPushException.class,
            () -> feedAll(DECODER, delimited(bytes(0x0F)), 1, false));
        assertEquals(0, e.getStackTrace().length);
    }

    @Test
    void shouldIgnoreInputAfterAFailureAndRethrowOnFinish() throws MalformedPushException {
        final DelimitedDecoder decoder = new DelimitedDecoder();
        content.reset();
        decoder.reset(content);
        final ByteBuf bad = Unpooled.wrappedBuffer(concat(GOOD, delimited(bytes(0x0F))));
        final ByteBuf more = Unpooled.wrappedBuffer(GOOD);
        try {
            final MalformedPushException first = assertThrows(MalformedPushException.class, () -> decoder.feed(bad));
            assertFalse(bad.isReadable());
            decoder.feed(more);
            assertFalse(more.isReadable());
            assertSame(first, assertThrows(MalformedPushException.class, decoder::finish));
            assertSame(first, assertThrows(MalformedPushException.class, decoder::finish));
        } finally {
            bad.release();
            more.release();
        }
        feedAll(decoder, GOOD, GOOD.length, false);
        assertEquals("g GAUGE\n  {a=b} 1.0\n", dump(content), "reset starts over");
    }

    @Test
    void shouldStartOverAfterABodyLeftInTheMiddleOfAMessage() throws MalformedPushException {
        final DelimitedDecoder decoder = new DelimitedDecoder();
        content.reset();
        decoder.reset(content);
        final ByteBuf half = Unpooled.wrappedBuffer(GOOD, 0, GOOD.length / 2);
        try {
            decoder.feed(half);
        } finally {
            half.release();
        }
        feedAll(decoder, GOOD, 3, true);
        assertEquals("g GAUGE\n  {a=b} 1.0\n", dump(content));
    }

    // -----------------------------------------------------------------------------------------------------------
    // feeding bodies the way the HTTP layer does
    // -----------------------------------------------------------------------------------------------------------

    /** Decodes {@code body} every way and returns the dump of the content, checking that all ways agree. */
    private String decode(byte[] body) throws MalformedPushException {
        feedAll(DECODER, body, Math.max(1, body.length), false);
        final String dump = dump(content);
        final List<Metrics.Metric> sources = sources(content);
        for (boolean direct : new boolean[] {false, true}) {
            feedAll(DECODER, body, Math.max(1, body.length), direct);
            assertEquals(dump, dump(content), "second run, direct " + direct);
            for (int cut = 0; cut <= body.length; cut++) {
                feedCut(DECODER, body, cut, direct);
                assertEquals(dump, dump(content), "cut at " + cut + ", direct " + direct);
                assertEquals(sources, sources(content), "cut at " + cut + ", direct " + direct);
            }
            feedAll(DECODER, body, 1, direct);
            assertEquals(dump, dump(content), "byte by byte, direct " + direct);
            assertEquals(sources, sources(content), "byte by byte, direct " + direct);
        }
        return dump;
    }

    /** Resets {@link #content}, feeds {@code body} in chunks of {@code chunkBytes} and finishes. */
    private void feedAll(DelimitedDecoder decoder, byte[] body, int chunkBytes, boolean direct)
        throws MalformedPushException {
        content.reset();
        decoder.reset(content);
        for (int from = 0; from < body.length; from += chunkBytes) {
            feed(decoder, body, from, Math.min(body.length, from + chunkBytes), direct);
        }
        decoder.finish();
    }

    private void feedCut(DelimitedDecoder decoder, byte[] body, int cut, boolean direct)
        throws MalformedPushException {
        content.reset();
        decoder.reset(content);
        feed(decoder, body, 0, cut, direct);
        feed(decoder, body, cut, body.length, direct);
        decoder.finish();
    }

    /** The message rejecting {@code body} cut at {@code cuts}, or {@code null} when it is accepted. */
    private String errorOf(DelimitedDecoder decoder, byte[] body, boolean direct, int... cuts) {
        content.reset();
        decoder.reset(content);
        try {
            int from = 0;
            for (int k = 0; k <= cuts.length; k++) {
                final int to = k < cuts.length ? cuts[k] : body.length;
                feed(decoder, body, from, to, direct);
                from = to;
            }
            decoder.finish();
            return null;
        } catch (MalformedPushException e) {
            return e.getMessage();
        }
    }

    /** Feeds one pooled chunk, with a reader index that is not zero, and checks it was neither kept nor released. */
    private static void feed(DelimitedDecoder decoder, byte[] body, int from, int to, boolean direct)
        throws MalformedPushException {
        final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        final ByteBuf chunk = direct ? alloc.directBuffer(to - from + 2) : alloc.heapBuffer(to - from + 2);
        try {
            chunk.writeByte('!').readByte();
            chunk.writeBytes(body, from, to - from);
            chunk.writeByte('!').writerIndex(chunk.writerIndex() - 1);
            decoder.feed(chunk);
        } finally {
            assertFalse(chunk.isReadable(), "feed left bytes unread");
            assertEquals(1, chunk.refCnt(), "feed retained or released the chunk");
            chunk.release();
        }
    }

    private static String dump(PushContent content) {
        return PushDump.of(content);
    }

    private static List<Metrics.Metric> sources(PushContent content) {
        final List<Metrics.Metric> sources = new ArrayList<>();
        for (int f = 0; f < content.familyCount(); f++) {
            for (int m = 0; m < content.family(f).metricCount(); m++) {
                sources.add(content.family(f).metric(m).source());
            }
        }
        return sources;
    }

    // -----------------------------------------------------------------------------------------------------------
    // building bodies
    // -----------------------------------------------------------------------------------------------------------

    private static Rejection row(String name, byte[] body, String message) {
        return new Rejection(name, body, message);
    }

    /** A valid body: the families, each behind its length, as client libraries write them. */
    private static byte[] body(Metrics.MetricFamily.Builder... families) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (Metrics.MetricFamily.Builder family : families) {
                family.build().writeDelimitedTo(out);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    private static Metrics.MetricFamily.Builder family(String name, Metrics.MetricType type) {
        return Metrics.MetricFamily.newBuilder().setName(name).setType(type);
    }

    private static Metrics.Metric.Builder metric(String... labels) {
        final Metrics.Metric.Builder metric = Metrics.Metric.newBuilder();
        for (int i = 0; i < labels.length; i += 2) {
            metric.addLabel(label(labels[i], labels[i + 1]));
        }
        return metric;
    }

    private static Metrics.Metric gauge(double value, String... labels) {
        return metric(labels).setGauge(Metrics.Gauge.newBuilder().setValue(value)).build();
    }

    private static Metrics.LabelPair label(String name, String value) {
        return Metrics.LabelPair.newBuilder().setName(name).setValue(value).build();
    }

    private static Metrics.Quantile quantile(double quantile, double value) {
        return Metrics.Quantile.newBuilder().setQuantile(quantile).setValue(value).build();
    }

    private static Metrics.Bucket bucket(double upperBound, long cumulativeCount) {
        return Metrics.Bucket.newBuilder().setUpperBound(upperBound).setCumulativeCount(cumulativeCount).build();
    }

    private static Metrics.BucketSpan span(int offset, int length) {
        return Metrics.BucketSpan.newBuilder().setOffset(offset).setLength(length).build();
    }

    /** A family {@code c} whose one metric is {@code metric}, raw bytes. */
    private static byte[] withMetric(byte[] metric) {
        return delimited(concat(field(1, "c"), field(4, metric)));
    }

    /** {@code message} behind its length. */
    private static byte[] delimited(byte[] message) {
        return concat(varint(message.length), message);
    }

    /** A length-delimited field (wire type 2). */
    private static byte[] field(int number, byte[] payload) {
        return concat(varint(number << 3 | 2), varint(payload.length), payload);
    }

    private static byte[] field(int number, String payload) {
        return field(number, payload.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] varint(int value) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rest = value;
        while (rest >= 0x80) {
            out.write(rest & 0x7F | 0x80);
            rest >>>= 7;
        }
        out.write(rest);
        return out.toByteArray();
    }

    private static byte[] bytes(int... values) {
        final byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }

    private static byte[] repeat(int value, int count) {
        final byte[] bytes = new byte[count];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static byte[] concat(byte[]... parts) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
