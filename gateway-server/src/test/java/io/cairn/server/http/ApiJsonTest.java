package io.cairn.server.http;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.PushContent;
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
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ApiJson} against JSON recorded from the Go Pushgateway 1.5.1 (Debian's {@code prometheus-pushgateway})
 * after the same pushes; see {@code src/test/resources/api/README.md}. The recorded groups were put in grouping key
 * order (the Go gateway's order is random); push times are masked.
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

        // one documented difference (docs/compatibility.md): values are read back from the stored text, where
        // negative zero is written "0" as expfmt writes it, so the API shows "0" where Go's fmt.Sprint shows "-0"
        final String expected = resource("metrics-pushgateway-1.5.1.json")
                .replace("\"k\":\"f\"},\"value\":\"-0\"", "\"k\":\"f\"},\"value\":\"0\"");
        assertEquals(mask(expected), mask(json));
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
    void shouldConvertStoredCountsToUint64Decimals() {
        final String[][] cases = {
            {"0", "0"},
            {"30", "30"},
            {"1.234567e+06", "1234567"},
            {"9.007199254740992e+15", "9007199254740992"},
            {"9.223372036854776e+18", "9223372036854775808"},
            {"1e+19", "10000000000000000000"},
            {"1.8446744073709552e+19", "18446744073709551615"},
        };
        for (String[] c : cases) {
            assertEquals(c[1], ApiJson.uint64Decimal(c[0]), c[0]);
        }
        assertThrows(IllegalStateException.class, () -> ApiJson.uint64Decimal("NaN"));
        assertThrows(IllegalStateException.class, () -> ApiJson.uint64Decimal("-1"));
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

    @Test
    void shouldReEscapeTextLabelValuesForJson() {
        final String[][] cases = {
            {"plain", "plain"},
            {"a\\\\b", "a\\\\b"},
            {"q\\\"uote", "q\\\"uote"},
            {"new\\nline", "new\\nline"},
            {"<&>", "\\u003c\\u0026\\u003e"},
            {"tab\there\rcr\u0001", "tab\\there\\rcr\\u0001"},
            {"\u2028\u00fc\u2029\ud83d\ude00", "\\u2028\u00fc\\u2029\ud83d\ude00"},
            {"\\\\<", "\\\\\\u003c"},
        };
        for (String[] c : cases) {
            final ByteBuf text = Unpooled.copiedBuffer(c[0], StandardCharsets.UTF_8);
            final ByteBuf out = Unpooled.buffer();
            try {
                ApiJson.writeEscaped(out, text, 0, text.readableBytes(), true);
                assertEquals(c[1], out.toString(StandardCharsets.UTF_8), c[0]);
            } finally {
                text.release();
                out.release();
            }
        }
    }

    @Test
    void shouldReadStoredSampleLines() {
        final ApiJson.SampleLineReader reader = new ApiJson.SampleLineReader();
        final String[][] cases = {
            // line, name, labels as name=rawValue joined by '|', value
            {"x{} 1\n", "x", "", "1"},
            {"x 1\n", "x", "", "1"},
            {"x_sum{job=\"j\"} 17.5\n", "x_sum", "job=j", "17.5"},
            {"x{a=\"\",b=\"q\\\"}\\\\\",le=\"+Inf\"} 1e+06\n", "x", "a=|b=q\\\"}\\\\|le=+Inf", "1e+06"},
            {"x{a=\"new\\nline, with =\\\"\"} NaN\n", "x", "a=new\\nline, with =\\\"", "NaN"},
            {"x{a=\"\u00fc\ud83d\ude00\"} -Inf\n", "x", "a=\u00fc\ud83d\ude00", "-Inf"},
        };
        for (String[] c : cases) {
            final ByteBuf text = Unpooled.copiedBuffer("junk\n" + c[0] + "next 1\n", StandardCharsets.UTF_8);
            try {
                for (int round = 0; round < 2; round++) {
                    final int end = reader.wrap(text, 5);
                    assertEquals(5 + c[0].getBytes(StandardCharsets.UTF_8).length, end, c[0]);
                    assertEquals(c[1], slice(text, 5, reader.nameEnd()), c[0]);
                    final StringBuilder labels = new StringBuilder();
                    for (int i = 0; i < reader.labelCount(); i++) {
                        if (i > 0) {
                            labels.append('|');
                        }
                        labels.append(slice(text, reader.labelNameStart(i), reader.labelNameEnd(i))).append('=')
                                .append(slice(text, reader.labelValueStart(i), reader.labelValueEnd(i)));
                    }
                    assertEquals(c[2], labels.toString(), c[0]);
                    assertEquals(c[3], slice(text, reader.valueStart(), reader.valueEnd()), c[0]);
                }
            } finally {
                text.release();
            }
        }
    }

    @Test
    void shouldFindTheLastLabelOfAName() {
        final ApiJson.SampleLineReader reader = new ApiJson.SampleLineReader();
        final ByteBuf text = Unpooled.copiedBuffer("x{le=\"a\",lee=\"b\",le=\"c\"} 1\n", StandardCharsets.UTF_8);
        try {
            reader.wrap(text, 0);
            assertEquals(2, reader.lastLabel(text, "le"));
            assertEquals(1, reader.lastLabel(text, "lee"));
            assertEquals(-1, reader.lastLabel(text, "l"));
        } finally {
            text.release();
        }
    }

    @Test
    void shouldRejectMalformedSampleLines() {
        final ApiJson.SampleLineReader reader = new ApiJson.SampleLineReader();
        final String[] cases = {
            "x 1", "x{a=\"1\"}\n", "x{a=\"1\"} \n", "x{a=\"1} 1\n", "x{a=1} 1\n", "x{a=\"1\"b=\"2\"} 1\n",
            "{a=\"1\"} 1\n", "x{=\"1\"} 1\n", " 1\n",
        };
        for (String c : cases) {
            final ByteBuf text = Unpooled.copiedBuffer(c, StandardCharsets.UTF_8);
            try {
                assertThrows(IllegalStateException.class, () -> reader.wrap(text, 0), c);
            } finally {
                text.release();
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
