package io.cairn.server.http;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.MetricType;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushedFamily;
import io.cairn.core.model.PushedMetric;
import io.cairn.core.proto.Metrics;
import io.cairn.core.render.GoFloatFormatter;
import io.cairn.core.render.PushEncoder;
import io.cairn.core.store.GroupStore;
import io.cairn.core.store.StoreCommand;
import io.cairn.core.store.StoreSnapshot;
import io.cairn.core.text.ParseException;
import io.cairn.core.text.TextFormatParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ApiJson} against JSON recorded from the Go Pushgateway 1.5.1 (Debian's {@code prometheus-pushgateway})
 * after the same pushes, and, for native and float histograms, against upstream 1.10.0's own test expectation and
 * the output of its code; see {@code src/test/resources/api/README.md}. The recorded groups were put in grouping
 * key order (the Go gateway's order is random); push times are masked.
 */
class ApiJsonTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    /** 2026-11-25T14:50:13Z. */
    private static final long BASE_NS = 1_795_618_213L * 1_000_000_000L;
    private static final String MASK = "<masked>";

    private final GroupStore store = new GroupStore(ALLOC, Map.of());
    private final TextFormatParser parser = new TextFormatParser();
    private final PushContent content = new PushContent();
    private final PushEncoder encoder = new PushEncoder();
    private long timeNs = BASE_NS;

    @AfterEach
    void releaseStore() {
        store.onClose();
    }

    // ------------------------------------------------------------------ /api/v1/metrics against the binary

    @Test
    void shouldWriteWhatThePushgatewayWritesForTheSamePushes() throws Exception {
        pushRecordedScenario();

        final String json = metricsJson();

        // values come from the stored protobuf, so a pushed -0 shows as "-0", as Go's fmt.Sprint writes it
        assertEquals(mask(resource("metrics-pushgateway-1.5.1.json")), mask(json));
    }

    @Test
    void shouldWriteTheSameBodyTwice() throws Exception {
        pushRecordedScenario();

        assertEquals(metricsJson(), metricsJson());
    }

    @Test
    void shouldWriteEmptyStoreAsEmptyArray() throws IOException {
        assertEquals(resource("metrics-empty-pushgateway-1.5.1.json"), metricsJson());
        assertEquals("{\"status\":\"success\",\"data\":[]}", metricsJson());
    }

    @Test
    void shouldWriteFamilyPushTimeAsTimeStamp() throws ParseException {
        timeNs = BASE_NS + 100_000_000L;
        push(GroupingKey.of("job", "t"), "a 1\n");
        timeNs = BASE_NS + 123_456_789L;
        pushPost(GroupingKey.of("job", "t"), "b 2\n");

        final String json = metricsJson();

        assertTrue(json.contains("\"a\":{\"time_stamp\":\"2026-11-25T14:50:13.1Z\",\"type\":\"UNTYPED\""), json);
        assertTrue(json.contains("\"b\":{\"time_stamp\":\"2026-11-25T14:50:13.123456789Z\""), json);
        assertTrue(json.contains("\"push_time_seconds\":{\"time_stamp\":\"2026-11-25T14:50:13.123456789Z\""), json);
    }

    @Test
    void shouldMarkGroupWhoseLastPushFailed() throws ParseException {
        push(GroupingKey.of("job", "f"), "ok_metric 1\n");
        push(GroupingKey.of("job", "f"), "ok_metric 2 1234567890\n");

        final String json = metricsJson();

        assertTrue(json.contains("\"labels\":{\"job\":\"f\"},\"last_push_successful\":false,"), json);
    }

    @Test
    void shouldSortGroupsByGroupingKey() throws ParseException {
        push(GroupingKey.of("job", "b"), "x 1\n");
        push(GroupingKey.of("job", "a", "zone", "z"), "x 1\n");
        push(GroupingKey.of("job", "a"), "x 1\n");

        final String json = metricsJson();

        final int a = json.indexOf("\"labels\":{\"job\":\"a\"}");
        final int az = json.indexOf("\"labels\":{\"job\":\"a\",\"zone\":\"z\"}");
        final int b = json.indexOf("\"labels\":{\"job\":\"b\"}");
        assertTrue(a >= 0 && a < az && az < b, json);
    }

    // ------------------------------------------------------------------ native and float histograms (1.10.0)

    /**
     * prometheus/pushgateway {@code api/v1/api_test.go} {@code TestMetricsAPI} (v1.10.0, unchanged since): its
     * {@code mf1} summary and its {@code mfh} histograms (int classic, float classic, int native, float native)
     * stored for grouping key {@code grouping1} at {@code testTime}, against its {@code requiredResponse}; the
     * resource is that response, with the four histogram series in expfmt's order, and Go's local zone written
     * as UTC here.
     */
    @Test
    void shouldWriteTheGroupOfUpstreamApiTestAsPushgateway110Does() throws IOException {
        // 2020-03-10T00:54:08.025744841+05:30
        timeNs = 1_583_781_848_025_744_841L;
        final GroupingKey grouping1 = GroupingKey.of("job", "Bj\u00f6rn", "instance", "inst'a\"n\\ce1");

        pushDecoded(grouping1, content -> {
            final PushedFamily mf1 = family(content, "mf1", MetricType.SUMMARY);
            addDecoded(mf1, metric("instance", "inst'a\"n\\ce1", "job", "Bj\u00f6rn")
                    .setSummary(Metrics.Summary.newBuilder().setSampleCount(0).setSampleSum(0)).build());
            final PushedFamily mfh = family(content, "mfh", MetricType.HISTOGRAM);
            addDecoded(mfh, metric("testing", "int classic histogram").setHistogram(Metrics.Histogram.newBuilder()
                    .setSampleCount(20).setSampleSum(99.23)
                    .addBucket(Metrics.Bucket.newBuilder().setUpperBound(250000).setCumulativeCount(3))
                    .addBucket(Metrics.Bucket.newBuilder().setUpperBound(500000).setCumulativeCount(17))).build());
            addDecoded(mfh, metric("testing", "float classic histogram").setHistogram(Metrics.Histogram.newBuilder()
                    .setSampleCountFloat(20).setSampleSum(99.23)
                    .addBucket(Metrics.Bucket.newBuilder().setUpperBound(250000).setCumulativeCountFloat(3))
                    .addBucket(Metrics.Bucket.newBuilder().setUpperBound(500000).setCumulativeCountFloat(17)))
                    .build());
            addDecoded(mfh, metric("testing", "int native histogram")
                    .setHistogram(harnessHistogram("apiTestIntNative")).build());
            addDecoded(mfh, metric("testing", "float native histogram")
                    .setHistogram(harnessHistogram("apiTestFloatNative")).build());
        });

        final String expected = compact(resource("metrics-native-pushgateway-1.10.0.json"))
                .replace("2020-03-10T00:54:08.025744841+05:30", "2020-03-09T19:24:08.025744841Z");
        assertEquals(expected, metricsJson());
    }

    /**
     * Every case of {@code native-histograms-pushgateway-1.10.0.tsv}: what Pushgateway 1.10.0's {@code api.go}
     * and {@code histogram/prometheus_model.go} (with Prometheus v0.54.1's {@code model/histogram}) write for the
     * histograms of {@code native-harness/cmd/main.go}, which {@link #harnessHistogram} builds again here; each
     * stored as a family of its own. Cases where Go panics are {@link #shouldRenderWhereThePushgatewayPanics}.
     */
    @Test
    void shouldWriteHistogramsAsPushgateway110Does() throws IOException {
        final String[] lines = resource("native-histograms-pushgateway-1.10.0.tsv").split("\n");
        int cases = 0;
        for (String line : lines) {
            final String[] fields = line.split("\t");
            if (fields[0].equals("bound") || fields[1].startsWith("PANIC")) {
                continue;
            }
            final String name = fields[0];
            pushDecoded(GroupingKey.of("job", name), content -> addDecoded(
                    family(content, name, MetricType.HISTOGRAM),
                    metric().setHistogram(harnessHistogram(name)).build()));

            final String expected = fields[1].replace("\"labels\":{}", "\"labels\":{\"instance\":\"\",\"job\":\""
                    + name + "\"}");
            final String json = metricsJson();
            assertEquals(expected, metricsOf(json, name), name);
            assertEquals(expected, metricsOf(json, name), name + ", again");
            cases++;
        }
        assertEquals(15, cases);
    }

    /**
     * Where Go indexes out of range (1.10.0 to 1.11.2 answer no body at all), Cairn writes what Prometheus 3's
     * iterators give (the walk stops where the buckets end), saturated custom bounds, and exponential bounds
     * from their definition.
     */
    @Test
    void shouldRenderWhereThePushgatewayPanics() throws IOException {
        final String tsv = resource("native-histograms-pushgateway-1.10.0.tsv");
        final String[][] cases = {
            {"spansBeyondBuckets", "[[0,\"0.5\",\"1\",\"1\"],[0,\"1\",\"2\",\"1\"]]"},
            {"customBucketsBeyondIndexZero", "[[3,\"-Inf\",\"+Inf\",\"1\"],[0,\"+Inf\",\"+Inf\",\"2\"]]"},
            // 2^(-1/512), 2^0
            {"schemaAboveEight", "[[0,\"0.9986471128909702\",\"1\",\"1\"]]"},
        };
        for (String[] c : cases) {
            assertTrue(tsv.contains(c[0] + "\tPANIC: "), c[0]);
            pushDecoded(GroupingKey.of("job", c[0]), content -> addDecoded(
                    family(content, c[0], MetricType.HISTOGRAM),
                    metric().setHistogram(harnessHistogram(c[0])).build()));

            final String metrics = metricsOf(metricsJson(), c[0]);
            assertTrue(metrics.startsWith("[{\"buckets\":" + c[1] + ",\"count\":"), metrics);
        }
    }

    /** The bounds in {@code native-histograms-pushgateway-1.10.0.tsv}, from Prometheus v0.54.1's {@code getBound}. */
    @Test
    void shouldComputeNativeBucketBoundsAsPrometheus() throws IOException {
        int rows = 0;
        for (String line : resource("native-histograms-pushgateway-1.10.0.tsv").split("\n")) {
            final String[] fields = line.split("\t");
            if (!fields[0].equals("bound")) {
                continue;
            }
            final int index = Integer.parseInt(fields[1]);
            final int schema = Integer.parseInt(fields[2]);
            assertEquals(fields[3], GoFloatFormatter.format(ApiJson.bound(index, schema)), index + "@" + schema);
            assertEquals(fields[3], GoFloatFormatter.format(ApiJson.bound(index, schema)), index + "@" + schema);
            rows++;
        }
        assertEquals(31, rows);
    }

    /** {@code api.go getValue}: the first of gauge, counter and untyped that the message has, whatever the type. */
    @Test
    void shouldShowTheValueGoGetValueReads() {
        pushDecoded(GroupingKey.of("job", "v"), content -> {
            addDecoded(family(content, "c", MetricType.COUNTER), metric()
                    .setCounter(Metrics.Counter.newBuilder().setValue(2))
                    .setGauge(Metrics.Gauge.newBuilder().setValue(-0.0)).build());
            addDecoded(family(content, "u", MetricType.UNTYPED), metric()
                    .setUntyped(Metrics.Untyped.newBuilder().setValue(1e21)).build());
        });

        final String json = metricsJson();

        assertEquals("[{\"labels\":{\"instance\":\"\",\"job\":\"v\"},\"value\":\"-0\"}]", metricsOf(json, "c"));
        assertEquals("[{\"labels\":{\"instance\":\"\",\"job\":\"v\"},\"value\":\"1e+21\"}]", metricsOf(json, "u"));
    }

    /** Go's text parser keeps the buckets as pushed: no {@code +Inf} bucket when none was pushed. */
    @Test
    void shouldShowOnlyPushedBucketsOfTextHistogram() throws ParseException {
        push(GroupingKey.of("job", "h"), "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum 1.5\nh_count 3\n");

        assertEquals("[{\"buckets\":{\"1\":\"2\"},\"count\":\"3\",\"labels\":{\"instance\":\"\",\"job\":\"h\"},"
                + "\"sum\":\"1.5\"}]", metricsOf(metricsJson(), "h"));
    }

    // ------------------------------------------------------------------ /api/v1/status

    @Test
    void shouldWriteStatusAsThePushgatewayDoes() throws IOException {
        final Map<String, String> build = new LinkedHashMap<>();
        build.put("version", "1.5.1");
        build.put("revision", "1.5.1-2+b5");
        build.put("branch", "debian/sid");
        build.put("buildUser", "team+pkg-go@tracker.debian.org");
        build.put("buildDate", "20230409-10:14:32");
        build.put("goVersion", "go1.19.8");
        final Map<String, String> flags = new LinkedHashMap<>();
        flags.put("web.telemetry-path", "/metrics");
        flags.put("web.systemd-socket", "false");
        flags.put("web.route-prefix", "");
        flags.put("web.local-assets", "/usr/share/prometheus/pushgateway");
        flags.put("web.listen-address", "127.0.0.1:19700");
        flags.put("web.external-url", "");
        flags.put("web.enable-lifecycle", "false");
        flags.put("web.enable-admin-api", "false");
        flags.put("web.config.file", "");
        flags.put("push.disable-consistency-check", "false");
        flags.put("persistence.interval", "5m0s");
        flags.put("persistence.file", "");
        flags.put("log.level", "info");
        flags.put("log.format", "logfmt");

        final String json = utf8(ApiJson.status(flags, 1_795_619_916_502L, build, ALLOC));

        final String recorded = resource("status-pushgateway-1.5.1.json");
        assertEquals(maskStartTime(recorded), maskStartTime(json));
        assertTrue(json.endsWith(",\"start_time\":\"2026-11-25T15:18:36.502Z\"}}"), json);
    }

    @Test
    void shouldWriteStatusMapsSortedAndEscaped() {
        final Map<String, String> flags = new TreeMap<>(Map.of("b", "<&>", "a", "x\"y"));

        final String json = utf8(ApiJson.status(flags, 0, null, ALLOC));

        assertEquals("{\"status\":\"success\",\"data\":{\"build_information\":null,"
                + "\"flags\":{\"a\":\"x\\\"y\",\"b\":\"\\u003c\\u0026\\u003e\"},"
                + "\"start_time\":\"1970-01-01T00:00:00Z\"}}", json);
    }

    // ------------------------------------------------------------------ pieces

    @Test
    void shouldFormatTimesAsGoMarshalsTimeInUtc() {
        final long[] ns = {
            0, BASE_NS, BASE_NS + 123_456_789L, BASE_NS + 100_000_000L, BASE_NS + 120_000L, BASE_NS + 1L,
            -1L, Long.MAX_VALUE,
        };
        final String[] expected = {
            "1970-01-01T00:00:00Z", "2026-11-25T14:50:13Z", "2026-11-25T14:50:13.123456789Z",
            "2026-11-25T14:50:13.1Z", "2026-11-25T14:50:13.00012Z", "2026-11-25T14:50:13.000000001Z",
            "1969-12-31T23:59:59.999999999Z", "2262-04-11T23:47:16.854775807Z",
        };
        for (int i = 0; i < ns.length; i++) {
            assertEquals(expected[i], ApiJson.rfc3339(ns[i]), "ns " + ns[i]);
            assertEquals(expected[i], ApiJson.rfc3339(ns[i]), "ns " + ns[i] + ", again");
        }
    }

    @Test
    void shouldEscapeStringsAsEncodingJson() {
        final String[][] cases = {
            {"plain", "\"plain\""},
            {"", "\"\""},
            {"a\"b\\c", "\"a\\\"b\\\\c\""},
            {"<a href=x>&amp;</a>", "\"\\u003ca href=x\\u003e\\u0026amp;\\u003c/a\\u003e\""},
            {"\n\r\t\u0001\u001f\u007f", "\"\\n\\r\\t\\u0001\\u001f\u007f\""},
            {"\u2028x\u2029", "\"\\u2028x\\u2029\""},
            {"Gr\u00fc\u00dfe \u20ac \ud83d\ude00", "\"Gr\u00fc\u00dfe \u20ac \ud83d\ude00\""},
            {"lone \ud83d and \ude00", "\"lone \\ufffd and \\ufffd\""},
        };
        for (String[] c : cases) {
            final ByteBuf out = Unpooled.buffer();
            try {
                ApiJson.writeString(out, c[0]);
                assertEquals(c[1], out.toString(StandardCharsets.UTF_8), c[0]);
            } finally {
                out.release();
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The pushes of {@code src/test/resources/api/README.md}, in the same order. */
    private void pushRecordedScenario() throws IOException, ParseException {
        push(GroupingKey.of("job", "basic"), resource("push-basic.txt"));
        push(GroupingKey.of("job", "esc", "instance", "i<&>"), resource("push-esc.txt"));
        push(GroupingKey.of("job", "utf8", "label", "\u00fc\u20ac\ud83d\ude00"), resource("push-utf8.txt"));
        push(GroupingKey.of("job", "special"), resource("push-special.txt"));
        push(GroupingKey.of("job", "failed"), "ok_metric 1\n");
        push(GroupingKey.of("job", "failed"), "ok_metric 2 1234567890\n");
        push(GroupingKey.of("job", "failed_new"), "ok_metric 2 1234567890\n");
        push(GroupingKey.of("job", "quirk"), "labels 1\nlast_push_successful 2\n");
    }

    /** PUT: replaces the group. */
    private void push(GroupingKey key, String body) throws ParseException {
        offer(key, true, body);
    }

    /** POST: replaces the pushed families only. */
    private void pushPost(GroupingKey key, String body) throws ParseException {
        offer(key, false, body);
    }

    private void offer(GroupingKey key, boolean replace, String body) throws ParseException {
        content.reset();
        parser.reset(content);
        final ByteBuf buf = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            parser.feed(buf);
            parser.finish();
        } finally {
            buf.release();
        }
        final PushEncoder.EncodedPush encoded = encoder.encode(key, content, ALLOC);
        assertTrue(store.offer(StoreCommand.push(key, replace, encoded, timeNs, error -> { })));
        store.drainAll();
        timeNs += 10_000_000L;
    }

    /** Stores a push whose metrics carry their protobuf message, as the protobuf decoder leaves them. */
    private void pushDecoded(GroupingKey key, Consumer<PushContent> fill) {
        content.reset();
        fill.accept(content);
        final PushEncoder.EncodedPush encoded = encoder.encode(key, content, ALLOC);
        if (encoded.rejection() != null) {
            encoded.release();
            throw new AssertionError(encoded.rejection());
        }
        assertTrue(store.offer(StoreCommand.push(key, true, encoded, timeNs, error -> { })));
        store.drainAll();
        timeNs += 10_000_000L;
    }

    private static PushedFamily family(PushContent content, String name, MetricType type) {
        final PushedFamily family = content.addFamily(name);
        family.type(type);
        return family;
    }

    /** A decoded metric: labels, the values the text exposition shows, and the message itself. */
    private static void addDecoded(PushedFamily family, Metrics.Metric message) {
        final PushedMetric metric = family.addMetric();
        for (Metrics.LabelPair label : message.getLabelList()) {
            metric.addLabel(label.getName(), label.getValue());
        }
        if (message.hasSummary()) {
            metric.sampleCount(message.getSummary().getSampleCount());
            metric.sampleSum(message.getSummary().getSampleSum());
        } else if (message.hasHistogram()) {
            final Metrics.Histogram histogram = message.getHistogram();
            metric.sampleCount(histogram.getSampleCount());
            metric.sampleSum(histogram.getSampleSum());
            for (Metrics.Bucket bucket : histogram.getBucketList()) {
                metric.addBucket(bucket.getUpperBound(), bucket.getCumulativeCount());
            }
        } else {
            metric.value(message.hasGauge() ? message.getGauge().getValue()
                    : message.hasCounter() ? message.getCounter().getValue() : message.getUntyped().getValue());
        }
        metric.source(message);
    }

    private static Metrics.Metric.Builder metric(String... namesAndValues) {
        final Metrics.Metric.Builder metric = Metrics.Metric.newBuilder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            metric.addLabel(Metrics.LabelPair.newBuilder().setName(namesAndValues[i])
                    .setValue(namesAndValues[i + 1]));
        }
        return metric;
    }

    private static Metrics.BucketSpan span(int offset, int length) {
        return Metrics.BucketSpan.newBuilder().setOffset(offset).setLength(length).build();
    }

    private static Metrics.Bucket bucket(double upperBound, long count) {
        return Metrics.Bucket.newBuilder().setUpperBound(upperBound).setCumulativeCount(count).build();
    }

    /** The histograms of {@code native-harness/cmd/main.go}, field for field. */
    private static Metrics.Histogram harnessHistogram(String name) {
        final Metrics.Histogram.Builder h = Metrics.Histogram.newBuilder();
        switch (name) {
            // api_test.go mfh {testing="int native histogram"}: SampleCount 20, SampleSum 99.23, Schema 1,
            // NegativeDelta and PositiveDelta {0, 2, -2, 0}, both sides' spans {0, 2}, {0, 2}; required buckets
            // [[1, "-1.414213562373095", "-1", "2"], [0, "1", "1.414213562373095", "2"]]
            case "apiTestIntNative":
                return h.setSampleCount(20).setSampleSum(99.23).setSchema(1)
                        .addAllNegativeDelta(List.of(0L, 2L, -2L, 0L))
                        .addAllPositiveDelta(List.of(0L, 2L, -2L, 0L))
                        .addPositiveSpan(span(0, 2)).addPositiveSpan(span(0, 2))
                        .addNegativeSpan(span(0, 2)).addNegativeSpan(span(0, 2)).build();
            // api_test.go mfh {testing="float native histogram"}: SampleCountFloat 20, Schema 1, NegativeCount and
            // PositiveCount {2, 2, -2, 0}, the same spans; required: six buckets from [1, "-2",
            // "-1.414213562373095", "-2"] up to [0, "1.414213562373095", "2", "-2"], the zero counts left out
            case "apiTestFloatNative":
                return h.setSampleCountFloat(20).setSampleSum(99.23).setSchema(1)
                        .addAllNegativeCount(List.of(2.0, 2.0, -2.0, 0.0))
                        .addAllPositiveCount(List.of(2.0, 2.0, -2.0, 0.0))
                        .addPositiveSpan(span(0, 2)).addPositiveSpan(span(0, 2))
                        .addNegativeSpan(span(0, 2)).addNegativeSpan(span(0, 2)).build();
            case "classicAndNative":
                return h.setSampleCount(3).setSampleSum(2.5).setSchema(0)
                        .addBucket(bucket(1, 1)).addBucket(bucket(2, 3))
                        .addPositiveSpan(span(0, 2)).addPositiveDelta(1).addPositiveDelta(1).build();
            case "zeroBucketAndGaps":
                return h.setSampleCount(10).setSampleSum(-3.5).setSchema(0).setZeroThreshold(0.001).setZeroCount(3)
                        .addNegativeSpan(span(1, 1)).addNegativeDelta(4)
                        .addPositiveSpan(span(-2, 1)).addPositiveSpan(span(3, 2))
                        .addPositiveDelta(2).addPositiveDelta(-1).addPositiveDelta(-1).build();
            case "noOpSpan":
                return h.setSampleCount(0).setSampleSum(0).setSchema(3).setZeroThreshold(2.938735877055719e-39)
                        .setZeroCount(0).addPositiveSpan(span(0, 0)).build();
            case "floatByZeroCount":
                return h.setSampleSum(0).setSchema(0).setZeroCountFloat(2.5).addPositiveSpan(span(0, 0)).build();
            case "zeroCountWithoutSpans":
                return h.setSampleCount(5).setSampleSum(0).setSchema(0).setZeroThreshold(0.001).setZeroCount(5)
                        .build();
            case "classicMixedFloatCounts":
                return h.setSampleCount(4).setSampleSum(7)
                        .addBucket(bucket(1, 9).toBuilder().setCumulativeCountFloat(1.5))
                        .addBucket(bucket(2, 4))
                        .addBucket(bucket(1, 2))
                        .addBucket(bucket(Double.POSITIVE_INFINITY, 4).toBuilder().setCumulativeCountFloat(Double.NaN))
                        .build();
            case "hugeCounts":
                return h.setSampleCount(-1L).setSampleSum(1).setSchema(0).addPositiveSpan(span(0, 2))
                        .addPositiveDelta(-1L).addPositiveDelta(Long.MIN_VALUE).build();
            case "floatNaNAndNegativeZeroCounts":
                return h.setSampleCountFloat(1.5).setSampleSum(Double.NaN).setSchema(-1)
                        .addNegativeSpan(span(-1, 3))
                        .addAllNegativeCount(List.of(Double.NaN, -0.0, 0.25))
                        .addPositiveSpan(span(2, 1)).addPositiveCount(1.25).build();
            case "overflowBuckets":
                return h.setSampleCount(6).setSampleSum(Double.POSITIVE_INFINITY).setSchema(-4)
                        .addPositiveSpan(span(63, 3)).addAllPositiveDelta(List.of(1L, 0L, 0L))
                        .addNegativeSpan(span(64, 1)).addNegativeDelta(3).build();
            case "subnormalBounds":
                return h.setSampleCount(4).setSampleSum(0).setSchema(0)
                        .addPositiveSpan(span(-1075, 2)).addPositiveDelta(1).addPositiveDelta(0)
                        .addNegativeSpan(span(-1074, 1)).addNegativeDelta(2).build();
            case "zeroLengthSpans":
                return h.setSampleCount(3).setSampleSum(3).setSchema(2)
                        .addPositiveSpan(span(5, 0)).addPositiveSpan(span(-2, 1)).addPositiveSpan(span(0, 0))
                        .addPositiveSpan(span(2, 1)).addPositiveDelta(1).addPositiveDelta(1).build();
            case "customBucketsSchema":
                return h.setSampleCount(3).setSampleSum(3).setSchema(-53).addPositiveSpan(span(0, 1))
                        .addPositiveDelta(3).build();
            case "spansBeyondBuckets":
                return h.setSampleCount(2).setSampleSum(1).setSchema(0).addPositiveSpan(span(0, 3))
                        .addPositiveDelta(1).addPositiveDelta(0).build();
            case "customBucketsBeyondIndexZero":
                return h.setSampleCount(3).setSampleSum(3).setSchema(-53).addPositiveSpan(span(0, 2))
                        .addPositiveDelta(1).addPositiveDelta(1).build();
            case "schemaAboveEight":
                return h.setSampleCount(1).setSampleSum(1).setSchema(9).addPositiveSpan(span(0, 1))
                        .addPositiveDelta(1).build();
            case "zeroThresholdZero":
                return h.setSampleCount(2).setSampleSum(0).setSchema(0).setZeroCount(2).addPositiveSpan(span(0, 0))
                        .build();
            default:
                throw new IllegalArgumentException("no harness case " + name);
        }
    }

    /** The {@code metrics} array of the family {@code name} (the first one in the body), as written. */
    private static String metricsOf(String json, String name) {
        final String head = "\"" + name + "\":{\"time_stamp\":\"";
        final int family = json.indexOf(head);
        assertTrue(family >= 0, "no family " + name + " in " + json);
        final int start = json.indexOf("\"metrics\":", family) + "\"metrics\":".length();
        int depth = 0;
        boolean inString = false;
        for (int i = start; i < json.length(); i++) {
            final char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if ((c == ']' || c == '}') && --depth == 0) {
                return json.substring(start, i + 1);
            }
        }
        throw new AssertionError("unterminated metrics of " + name);
    }

    /** {@code json.Compact}: the indented JSON of upstream's test without the whitespace between tokens. */
    private static String compact(String json) {
        final StringBuilder sb = new StringBuilder(json.length());
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            final char c = json.charAt(i);
            if (inString) {
                sb.append(c);
                if (c == '\\') {
                    sb.append(json.charAt(++i));
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
                sb.append(c);
            } else if (!Character.isWhitespace(c)) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private String metricsJson() {
        try (StoreSnapshot snapshot = store.acquire()) {
            return utf8(ApiJson.metrics(snapshot, ALLOC));
        }
    }

    private static String utf8(ByteBuf buf) {
        try {
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            buf.release();
        }
    }

    private static String slice(ByteBuf buf, int from, int to) {
        return buf.toString(from, to - from, StandardCharsets.UTF_8);
    }

    /** Masks the push times: every {@code time_stamp}, and the values of the two push timestamp families. */
    private static String mask(String json) {
        return json.replaceAll("\"time_stamp\":\"[^\"]*\"", "\"time_stamp\":\"" + MASK + "\"")
                .replaceAll("(\"push_(?:failure_)?time_seconds\":\\{[^\\[]*\\[\\{\"labels\":\\{[^}]*\\},\"value\":\")"
                        + "[^\"]*\"", "$1" + MASK + "\"");
    }

    private static String maskStartTime(String json) {
        return json.replaceAll("\"start_time\":\"[^\"]*\"", "\"start_time\":\"" + MASK + "\"");
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ApiJsonTest.class.getResourceAsStream("/api/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource /api/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
