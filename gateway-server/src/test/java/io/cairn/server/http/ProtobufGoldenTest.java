package io.cairn.server.http;

import io.cairn.core.proto.Metrics.LabelPair;
import io.cairn.core.proto.Metrics.Metric;
import io.cairn.core.proto.Metrics.MetricFamily;
import io.cairn.core.testing.LeakRecorder;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replays every case of {@code golden/protobuf.json} (protobuf pushes recorded from the Go Pushgateway 1.5.1 by
 * {@code golden/record_protobuf.py}) against a fresh gateway, then compares:
 * <ul>
 *   <li>every push's status and response body, byte for byte (one of the recorded bodies where Go's varies);</li>
 *   <li>the text scrape, normalised as {@link GoldenScrapeTest} does (own families dropped, push times masked; per
 *       family the HELP/TYPE lines in order and the samples as a multiset, in order when one group was pushed);</li>
 *   <li>the protobuf scrape: its Content-Type, and the {@link MetricFamily} messages of both sides parsed, own
 *       families dropped, push times above 1e9 masked, the metrics of each family sorted by their label pairs, then
 *       compared for equality: native histograms, exemplars and created timestamps must survive bit-exactly;</li>
 *   <li>{@code /api/v1/metrics} with times masked as {@link ApiJsonTest} masks them, for the cases marked
 *       comparable.</li>
 * </ul>
 */
class ProtobufGoldenTest {
    private static final String RESOURCE = "/golden/protobuf.json";
    private static final String PROTOBUF_ACCEPT =
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
    /** The gateway's own families: the recorder's filter plus Cairn's {@code jvm_}, as in {@link GatewayHarness}. */
    private static final Pattern OWN = Pattern.compile("^(go_|process_|pushgateway_|promhttp_|jvm_)");
    /** Replaces push times in the protobuf scrape, where record.py writes {@code <TS>}. */
    private static final double MASKED_TIME = -1;
    private static final String API_MASK = "<masked>";
    private static final Pattern API_TIME = Pattern.compile("\"time_stamp\":\"[^\"]*\"");
    private static final Pattern API_PUSH_TIME = Pattern.compile(
            "(\"push_(?:failure_)?time_seconds\":\\{[^\\[]*\\[\\{\"labels\":\\{[^}]*\\},\"value\":\")[^\"]*\"");
    private static final Comparator<Metric> BY_LABELS = (a, b) -> {
        final int n = Math.min(a.getLabelCount(), b.getLabelCount());
        for (int i = 0; i < n; i++) {
            final LabelPair x = a.getLabel(i);
            final LabelPair y = b.getLabel(i);
            int c = x.getName().compareTo(y.getName());
            if (c == 0) {
                c = x.getValue().compareTo(y.getValue());
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.getLabelCount(), b.getLabelCount());
    };

    @AfterAll
    static void noLeaks() {
        LeakRecorder.assertNoLeaks();
    }

    static Stream<Arguments> cases() throws IOException {
        return GoldenScrapeTest.arguments(recordedCases());
    }

    private static List<Object> recordedCases() throws IOException {
        return GoldenScrapeTest.recordedCases(RESOURCE);
    }

    @Test
    void shouldHaveRecordedCases() throws IOException {
        assertTrue(recordedCases().size() >= 24, "cases: " + recordedCases().size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldAnswerProtobufPushesAsThePushgatewayDoes(String name, Map<String, Object> golden) throws IOException {
        final GatewayHarness gateway = new GatewayHarness();
        try {
            final int groups = replayPushes(name, golden, gateway);
            assertTextScrape(name, golden, gateway, groups);
            assertProtobufScrape(name, golden, gateway);
            // 1.5.1 writes native and float histograms into its JSON as if they were classic ones (empty "buckets",
            // "count" 0 for a float histogram); Cairn implements the JSON of upstream 1.8.0 / 1.10.0 for them, tested
            // elsewhere. The recorder marks those cases "api_comparable": false.
            if (Boolean.TRUE.equals(golden.get("api_comparable"))) {
                assertApiJson(name, golden, gateway);
            }
        } finally {
            assertFalse(gateway.finish());
        }
    }

    /** Sends the recorded pushes, expecting the recorded answers; returns the number of distinct groups pushed to. */
    @SuppressWarnings("unchecked")
    private static int replayPushes(String name, Map<String, Object> golden, GatewayHarness gateway) {
        final Set<String> paths = new HashSet<>();
        for (Object p : (List<Object>) golden.get("pushes")) {
            final Map<String, Object> push = (Map<String, Object>) p;
            final String method = (String) push.get("method");
            final String path = (String) push.get("path");
            paths.add(path);
            final List<String> headerPairs = new ArrayList<>();
            for (Map.Entry<String, Object> header : ((Map<String, Object>) push.get("headers")).entrySet()) {
                headerPairs.add(header.getKey());
                headerPairs.add((String) header.getValue());
            }
            final byte[] body = Base64.getDecoder().decode((String) push.get("body"));
            final GatewayHarness.Answer answer = gateway.exchange(GatewayHarness.whole(
                    GatewayHarness.request(HttpMethod.valueOf(method), path, headerPairs.toArray(new String[0])),
                    body));
            final String what = name + ": " + method + " " + path + " " + headerPairs;
            assertEquals(((Number) push.get("status")).intValue(), answer.status, what + " answered " + answer);
            final List<Object> choices = (List<Object>) push.get("responses");
            if (choices == null) {
                assertEquals(push.get("response"), answer.text(), what);
            } else {
                // Go's message names whichever group's series its consistency check gathered first (map order)
                assertTrue(choices.contains(answer.text()), what + " answered " + answer.text() + ", not one of "
                        + choices);
            }
        }
        return paths.size();
    }

    // ------------------------------------------------------------------ text scrape

    @SuppressWarnings("unchecked")
    private static void assertTextScrape(String name, Map<String, Object> golden, GatewayHarness gateway,
                                         int groups) {
        GoldenScrapeTest.assertSameScrape(name, (List<String>) golden.get("metrics"), gateway.scrapeFiltered(),
                groups);
    }

    // ------------------------------------------------------------------ protobuf scrape

    private static void assertProtobufScrape(String name, Map<String, Object> golden, GatewayHarness gateway)
            throws IOException {
        final GatewayHarness.Answer answer = gateway.get("/metrics", "Accept", PROTOBUF_ACCEPT);
        assertEquals(200, answer.status, name + ": protobuf scrape answered " + answer);
        // checked before parsing: a text body would not fail to parse as clearly
        assertEquals(golden.get("pb_ct"), answer.header(HttpHeaderNames.CONTENT_TYPE), name + ": Content-Type");

        final List<MetricFamily> expected = normalise(Base64.getDecoder().decode((String) golden.get("pb")));
        final List<MetricFamily> actual = normalise(answer.bytes());

        assertEquals(expected, actual, name + ": protobuf scrape");
    }

    /**
     * The delimited families without the gateway's own, push times masked, the metrics of each family sorted by their
     * label pairs (the order of the series is the text scrape's concern, here only their content counts), the type
     * set explicitly.
     */
    private static List<MetricFamily> normalise(byte[] delimited) throws IOException {
        final List<MetricFamily> families = new ArrayList<>();
        final InputStream in = new ByteArrayInputStream(delimited);
        MetricFamily family;
        while ((family = MetricFamily.parseDelimitedFrom(in)) != null) {
            if (OWN.matcher(family.getName()).find()) {
                continue;
            }
            final boolean pushTime = family.getName().equals("push_time_seconds")
                    || family.getName().equals("push_failure_time_seconds");
            final List<Metric> metrics = new ArrayList<>();
            for (Metric metric : family.getMetricList()) {
                if (pushTime && metric.getGauge().getValue() > 1e9) {
                    metric = metric.toBuilder().setGauge(metric.getGauge().toBuilder().setValue(MASKED_TIME)).build();
                }
                metrics.add(metric);
            }
            metrics.sort(BY_LABELS);
            final MetricFamily.Builder normalised = family.toBuilder().clearMetric().addAllMetric(metrics);
            // Go re-sends a type left out of the push as absent (proto2's default, COUNTER); Cairn always writes the
            // type it stored (docs/compatibility.md). Both read as COUNTER.
            normalised.setType(family.getType());
            families.add(normalised.build());
        }
        return families;
    }

    // ------------------------------------------------------------------ /api/v1/metrics

    @SuppressWarnings("unchecked")
    private static void assertApiJson(String name, Map<String, Object> golden, GatewayHarness gateway) {
        final GatewayHarness.Answer answer = gateway.get("/api/v1/metrics");
        assertEquals(200, answer.status, name + ": /api/v1/metrics answered " + answer);
        final String expected = (String) golden.get("api");
        final String actual = maskApi(answer.text());

        final Map<String, Object> e = (Map<String, Object>) GoldenScrapeTest.json(expected);
        final Map<String, Object> a = (Map<String, Object>) GoldenScrapeTest.json(actual);
        final Object unsorted = GoldenScrapeTest.json(actual);
        // the recorder put Go's groups (map order) in order of their labels; Cairn writes them by grouping key. Go
        // lists a group's series in pushed order, Cairn in expfmt's order (docs/compatibility.md): compare the
        // parsed documents with groups and series in one order
        final Comparator<Object> byLabels = Comparator.comparing(g -> String.valueOf(((Map<String, Object>) g)
                .get("labels")));
        for (Map<String, Object> document : List.of(e, a)) {
            final List<Object> data = (List<Object>) document.get("data");
            data.sort(byLabels);
            for (Object group : data) {
                for (Object family : ((Map<String, Object>) group).values()) {
                    if (family instanceof Map && ((Map<String, Object>) family).get("metrics") instanceof List) {
                        ((List<Object>) ((Map<String, Object>) family).get("metrics")).sort(byLabels);
                    }
                }
            }
        }
        assertEquals(e, a, name + ": /api/v1/metrics, groups and series sorted");
        if (unsorted.equals(GoldenScrapeTest.json(expected))) {
            // the same order as Go's: the bytes must match too
            assertEquals(expected, actual, name + ": /api/v1/metrics");
        }
    }

    /** {@link ApiJsonTest}'s mask: every {@code time_stamp}, and the values of the two push time families. */
    private static String maskApi(String json) {
        final String times = API_TIME.matcher(json).replaceAll("\"time_stamp\":\"" + API_MASK + "\"");
        return API_PUSH_TIME.matcher(times).replaceAll("$1" + API_MASK + "\"");
    }
}
