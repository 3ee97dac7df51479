package io.cairn.server.http;

import io.cairn.core.proto.Metrics;
import io.cairn.core.testing.LeakRecorder;
import io.cairn.server.http.GatewayHarness.Answer;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static io.cairn.server.http.GatewayHarness.chunked;
import static io.cairn.server.http.GatewayHarness.request;
import static io.cairn.server.http.GatewayHarness.whole;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Protobuf pushes and the scrape formats through the handler: native histograms come back bit for bit, malformed
 * or unsafe bodies are answered 400 and leave the store as it was, and OpenMetrics is sent only when switched on.
 * The push-by-push comparison with the Go Pushgateway is {@link ProtobufGoldenTest}'s.
 */
class ProtobufPushTest {
    private static final String PROTOBUF =
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
    private static final String INCONSISTENT = "pushed metrics are invalid or inconsistent with existing metrics: ";

    private GatewayHarness gateway;

    @BeforeEach
    void start() {
        LeakRecorder.install();
        gateway = new GatewayHarness();
    }

    @AfterEach
    void stop() {
        gateway.finish();
    }

    @AfterAll
    static void noLeaks() {
        LeakRecorder.assertNoLeaks();
    }

    /** A native histogram with integer counts, spans on both sides, an exemplar and a created timestamp. */
    static Metrics.MetricFamily nativeHistogram() {
        final Metrics.Histogram.Builder h = Metrics.Histogram.newBuilder()
                .setSampleCount(19).setSampleSum(42.75).setSchema(3).setZeroThreshold(1e-128).setZeroCount(2)
                .addNegativeSpan(Metrics.BucketSpan.newBuilder().setOffset(-2).setLength(2))
                .addNegativeDelta(1).addNegativeDelta(2)
                .addPositiveSpan(Metrics.BucketSpan.newBuilder().setOffset(0).setLength(3))
                .addPositiveSpan(Metrics.BucketSpan.newBuilder().setOffset(4).setLength(1))
                .addPositiveDelta(3).addPositiveDelta(-1).addPositiveDelta(0).addPositiveDelta(-2)
                .setCreatedTimestamp(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_700_000_000).setNanos(5))
                .addExemplars(Metrics.Exemplar.newBuilder().setValue(0.5)
                        .addLabel(label("trace_id", "abc"))
                        .setTimestamp(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_700_000_001)));
        return Metrics.MetricFamily.newBuilder().setName("nh").setHelp("Native.")
                .setType(Metrics.MetricType.HISTOGRAM)
                .addMetric(Metrics.Metric.newBuilder().addLabel(label("job", "body")).addLabel(label("a", "1"))
                        .setHistogram(h))
                .build();
    }

    @Test
    void shouldSendANativeHistogramBackBitForBit() throws IOException {
        final Metrics.MetricFamily pushed = nativeHistogram();
        assertEquals(200, pushProtobuf(HttpMethod.PUT, "/metrics/job/j", delimited(pushed)).status);

        final Answer scrape = gateway.get("/metrics", "Accept", PROTOBUF);
        assertEquals(PROTOBUF, scrape.header("Content-Type"));
        final Metrics.MetricFamily scraped = family(parse(scrape.bytes()), "nh");
        // the grouping label replaces the pushed job, instance="" is added, labels are sorted
        final Metrics.Metric expected = pushed.getMetric(0).toBuilder().clearLabel().addLabel(label("a", "1"))
                .addLabel(label("instance", "")).addLabel(label("job", "j")).build();
        assertEquals(pushed.toBuilder().clearMetric().addMetric(expected).build(), scraped);
        assertArrayEquals(expected.toByteArray(), scraped.getMetric(0).toByteArray(), "bit for bit");

        // the text exposition shows what Go's does for a histogram without classic buckets
        final List<String> text = gateway.scrapeFiltered();
        assertTrue(text.containsAll(List.of("nh_bucket{a=\"1\",instance=\"\",job=\"j\",le=\"+Inf\"} 19",
                "nh_sum{a=\"1\",instance=\"\",job=\"j\"} 42.75", "nh_count{a=\"1\",instance=\"\",job=\"j\"} 19")), text
                .toString());

        final Answer gzip = gateway.get("/metrics", "Accept", PROTOBUF, "Accept-Encoding", "gzip");
        assertEquals("gzip", gzip.header("Content-Encoding"));
        assertEquals(parse(scrape.bytes()), parse(gunzip(gzip.bytes())), "the same messages, compressed");
    }

    @Test
    void shouldMergeProtobufAndTextPushesOfOneFamilyAcrossGroups() throws IOException {
        assertEquals(200, gateway.push(HttpMethod.PUT, "/metrics/job/t", "# TYPE m gauge\nm{k=\"v\"} 1\n").status);
        final Metrics.MetricFamily pushed = Metrics.MetricFamily.newBuilder().setName("m")
                .setType(Metrics.MetricType.GAUGE)
                .addMetric(Metrics.Metric.newBuilder().addLabel(label("k", "w"))
                        .setGauge(Metrics.Gauge.newBuilder().setValue(2)))
                .build();
        assertEquals(200, pushProtobuf(HttpMethod.PUT, "/metrics/job/p", delimited(pushed)).status);

        final Metrics.MetricFamily m = family(parse(gateway.get("/metrics", "Accept", PROTOBUF).bytes()), "m");
        assertEquals(2, m.getMetricCount(), "one family message holds both groups' metrics");
        assertTrue(gateway.scrapeFiltered().containsAll(List.of("# TYPE m gauge", "m{instance=\"\",job=\"p\",k=\"w\"} 2",
                "m{instance=\"\",job=\"t\",k=\"v\"} 1")));
    }

    static Stream<Arguments> malformedBodies() {
        final byte[] family = nativeHistogram().toByteArray();
        final byte[] valid = delimited(nativeHistogram());
        return Stream.of(
                Arguments.of("truncated varint", new byte[] {(byte) 0x80}, "unexpected EOF"),
                Arguments.of("varint longer than 5 bytes", bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
                        "invalid varint32 encountered"),
                Arguments.of("length past the body", Arrays.copyOf(valid, valid.length - 3), "unexpected EOF"),
                Arguments.of("length claiming 34 GB", bytes(0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3),
                        "protobuf message of 34359738367 bytes exceeds the limit of 67108864 bytes"),
                Arguments.of("wire type 7", concat(lengthPrefix(family.length + 1), family, bytes(0x0f)),
                        "proto: can't skip unknown wire type 7"),
                Arguments.of("gauge histogram", delimited(Metrics.MetricFamily.newBuilder().setName("gh")
                                .setType(Metrics.MetricType.GAUGE_HISTOGRAM)
                                .addMetric(Metrics.Metric.newBuilder().setHistogram(Metrics.Histogram.newBuilder()))
                                .build()),
                        "metric family \"gh\" has type GAUGE_HISTOGRAM, which text format 0.0.4 cannot expose"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedBodies")
    void shouldAnswerMalformedBodies400AndKeepTheStore(String what, byte[] body, String message) throws IOException {
        assertEquals(200, pushProtobuf(HttpMethod.PUT, "/metrics/job/j", delimited(nativeHistogram())).status);
        final byte[] before = gateway.get("/metrics", "Accept", PROTOBUF).bytes();
        final List<String> textBefore = gateway.scrapeFiltered();

        for (String path : List.of("/metrics/job/j", "/metrics/job/new")) {
            final Answer whole = pushProtobuf(HttpMethod.PUT, path, body);
            assertEquals(400, whole.status, what);
            assertEquals(message + "\n", whole.text(), what);
            final Answer byteByByte = gateway.exchange(chunked(request(HttpMethod.POST, path, "Content-Type",
                    PROTOBUF), body, 1));
            assertEquals(message + "\n", byteByByte.text(), what + ", fed byte by byte");
        }
        assertEquals(parse(before), parse(gateway.get("/metrics", "Accept", PROTOBUF).bytes()), what);
        assertEquals(textBefore, gateway.scrapeFiltered(), what + ": a body that does not decode changes nothing");
    }

    static Stream<Arguments> unsafeMetrics() {
        return Stream.of(
                Arguments.of("a name that is not a metric name", Metrics.MetricFamily.newBuilder().setName("a-b")
                        .setType(Metrics.MetricType.GAUGE)
                        .addMetric(Metrics.Metric.newBuilder().setGauge(Metrics.Gauge.newBuilder().setValue(1)))
                        .build(), "\"a-b\" is not a valid metric name"),
                Arguments.of("no name", Metrics.MetricFamily.newBuilder().setType(Metrics.MetricType.GAUGE)
                        .addMetric(Metrics.Metric.newBuilder().setGauge(Metrics.Gauge.newBuilder().setValue(1)))
                        .build(), "\"\" is not a valid metric name"),
                Arguments.of("an le label on a histogram", Metrics.MetricFamily.newBuilder().setName("h")
                        .setType(Metrics.MetricType.HISTOGRAM)
                        .addMetric(Metrics.Metric.newBuilder().addLabel(label("le", "1"))
                                .setHistogram(Metrics.Histogram.newBuilder().setSampleCount(1)))
                        .build(), "collected metric \"h\" { label:<name:\"instance\" value:\"\" > label:<name:\"job\""
                        + " value:\"j\" > label:<name:\"le\" value:\"1\" > histogram:<sample_count:1 sample_sum:0 > }"
                        + " must not have an explicit \"le\" label"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unsafeMetrics")
    void shouldRejectWhatWouldBreakTextScrapes(String what, Metrics.MetricFamily family, String message)
            throws IOException {
        assertEquals(200, pushProtobuf(HttpMethod.PUT, "/metrics/job/j", delimited(nativeHistogram())).status);
        final Metrics.MetricFamily before = family(parse(gateway.get("/metrics", "Accept", PROTOBUF).bytes()), "nh");

        final Answer answer = pushProtobuf(HttpMethod.PUT, "/metrics/job/j", delimited(family));
        assertEquals(400, answer.status, what);
        assertEquals(INCONSISTENT + message + "\n", answer.text(), what);
        assertEquals(before, family(parse(gateway.get("/metrics", "Accept", PROTOBUF).bytes()), "nh"));
        final Answer scrape = gateway.get("/metrics");
        assertEquals(200, scrape.status);
        assertFalse(scrape.text().contains("push_failure_time_seconds{instance=\"\",job=\"j\"} 0\n"),
                "the failure is recorded as for any rejected push");
    }

    @Test
    void shouldRejectALabelValueThatIsNotUtf8AsGoDoes() {
        final Metrics.Metric.Builder metric = Metrics.Metric.newBuilder()
                .addLabel(Metrics.LabelPair.newBuilder().setName("a")
                        .setValueBytes(com.google.protobuf.ByteString.copyFrom(new byte[] {'x', (byte) 0xff})))
                .setGauge(Metrics.Gauge.newBuilder().setValue(1));
        final Answer answer = pushProtobuf(HttpMethod.PUT, "/metrics/job/j", delimited(Metrics.MetricFamily
                .newBuilder().setName("g").setType(Metrics.MetricType.GAUGE).addMetric(metric).build()));
        assertEquals(400, answer.status);
        assertTrue(answer.text().startsWith(INCONSISTENT + "collected metric \"g\" { label:<name:\"a\" "),
                answer.text());
        assertTrue(answer.text().endsWith("} has a label named \"a\" whose value is not utf8: \"x\\xff\"\n"),
                answer.text());
    }

    @Test
    void shouldAnswerOpenMetricsOnlyWhenSwitchedOn() {
        final String prometheusAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                + "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        gateway.push(HttpMethod.PUT, "/metrics/job/j", "# TYPE c_total counter\nc_total 3\n");
        final Answer off = gateway.get("/metrics", "Accept", prometheusAccept);
        assertEquals("text/plain; version=0.0.4; charset=utf-8", off.header("Content-Type"), "as the Pushgateway");

        final GatewayHarness on = new GatewayHarness(false, false, true, "", false, true);
        try {
            on.push(HttpMethod.PUT, "/metrics/job/j", "# TYPE c_total counter\nc_total 3\n");
            final Answer answer = on.get("/metrics", "Accept", prometheusAccept);
            assertEquals("application/openmetrics-text; version=1.0.0; charset=utf-8", answer.header("Content-Type"));
            final String body = answer.text();
            assertTrue(body.contains("# TYPE c counter\nc_total{instance=\"\",job=\"j\"} 3.0\n"), body);
            assertTrue(body.endsWith("# EOF\n"), body);
            assertEquals(GatewayHarness.filter(body), GatewayHarness.filter(on.get("/metrics", "Accept",
                    prometheusAccept).text()), "from the caches");

            // OpenMetrics 1.0 has no float histograms: the scrape falls back to text rather than break
            final Metrics.MetricFamily floats = Metrics.MetricFamily.newBuilder().setName("fh")
                    .setType(Metrics.MetricType.HISTOGRAM)
                    .addMetric(Metrics.Metric.newBuilder().setHistogram(Metrics.Histogram.newBuilder()
                            .setSampleCountFloat(2.5).setSampleSum(1).setSchema(0).setZeroThreshold(0.001)
                            .addPositiveSpan(Metrics.BucketSpan.newBuilder().setLength(1)).addPositiveCount(2.5)))
                    .build();
            assertEquals(200, on.exchange(whole(request(HttpMethod.PUT, "/metrics/job/f", "Content-Type", PROTOBUF),
                    delimited(floats))).status);
            final Answer fallback = on.get("/metrics", "Accept", prometheusAccept);
            assertEquals("text/plain; version=0.0.4; charset=utf-8", fallback.header("Content-Type"));
            assertTrue(fallback.text().contains("c_total{instance=\"\",job=\"j\"} 3\n"), fallback.text());
        } finally {
            on.finish();
        }
    }

    // ------------------------------------------------------------------ helpers

    private Answer pushProtobuf(HttpMethod method, String path, byte[] body) {
        return gateway.exchange(whole(request(method, path, "Content-Type", PROTOBUF), body));
    }

    static Metrics.LabelPair label(String name, String value) {
        return Metrics.LabelPair.newBuilder().setName(name).setValue(value).build();
    }

    static byte[] delimited(Metrics.MetricFamily... families) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (Metrics.MetricFamily family : families) {
                family.writeDelimitedTo(out);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    private static byte[] bytes(int... values) {
        final byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] lengthPrefix(int length) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int value = length;
        while (value >= 0x80) {
            out.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** The pushed families of a protobuf scrape: the gateway's own left out, as {@link GatewayHarness#filter}. */
    static List<Metrics.MetricFamily> parse(byte[] delimited) throws IOException {
        final List<Metrics.MetricFamily> families = new ArrayList<>();
        final ByteArrayInputStream in = new ByteArrayInputStream(delimited);
        Metrics.MetricFamily family;
        while ((family = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
            if (!GatewayHarness.OWN.matcher(family.getName()).find()) {
                families.add(family);
            }
        }
        return families;
    }

    private static Metrics.MetricFamily family(List<Metrics.MetricFamily> families, String name) {
        for (Metrics.MetricFamily family : families) {
            if (family.getName().equals(name)) {
                return family;
            }
        }
        throw new AssertionError("no family " + name + " in " + families);
    }

    private static byte[] gunzip(byte[] gzipped) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            return in.readAllBytes();
        }
    }
}
