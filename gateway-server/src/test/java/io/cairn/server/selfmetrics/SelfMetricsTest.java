package io.cairn.server.selfmetrics;

import io.cairn.core.model.MetricType;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushedFamily;
import io.cairn.core.model.PushedMetric;
import io.cairn.core.proto.Metrics;
import io.cairn.core.scrape.OwnFamily;
import io.cairn.core.testing.LeakRecorder;
import io.cairn.core.text.ParseException;
import io.cairn.core.text.TextFormatParser;
import io.cairn.server.http.GatewayHarness;
import io.cairn.server.http.GatewayHarness.Answer;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.cairn.server.http.GatewayHarness.whole;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's own families on the telemetry path: well-formed text, request counting as the Pushgateway's
 * {@code InstrumentHandler} does, and rejection of pushes that clash with them.
 */
class SelfMetricsTest {
    private static final String GAUGE = "# HELP a A gauge.\n# TYPE a gauge\na 1\n";

    private final GatewayHarness gateway = new GatewayHarness();

    @AfterEach
    void finishChannel() {
        assertFalse(gateway.finish());
    }

    @AfterAll
    static void noLeaks() {
        LeakRecorder.assertNoLeaks();
    }

    @Test
    void shouldRenderOwnFamiliesAsValidText() throws ParseException {
        gateway.push(HttpMethod.PUT, "/metrics/job/j", GAUGE);
        gateway.push(HttpMethod.POST, "/metrics/job/j", GAUGE);
        gateway.push(HttpMethod.PUT, "/metrics/job/j", "broken{\n");
        assertEquals(413, gateway.push(HttpMethod.PUT, "/metrics/job/j", "a".repeat(1025) + " 1\n").status);
        gateway.get("/-/healthy");

        final PushContent scrape = parse(gateway.get("/metrics").text());
        final PushContent again = parse(gateway.get("/metrics").text());

        for (Map.Entry<String, MetricType> own : SelfMetrics.reservedFamilies().entrySet()) {
            final PushedFamily family = scrape.family(own.getKey());
            if (own.getKey().startsWith("process_") && family == null) {
                continue; // not on every platform
            }
            if (own.getKey().equals("pushgateway_journal_write_seconds")) {
                assertEquals(null, family, "no --persistence.file, no journal figures");
                continue;
            }
            assertNotNull(family, own.getKey());
            assertEquals(own.getValue(), family.type(), own.getKey());
            assertNotNull(family.help(), own.getKey());
            assertTrue(family.metricCount() > 0, own.getKey());
            assertEquals(own.getValue(), again.family(own.getKey()).type(), own.getKey());
        }
        final PushedFamily duration = scrape.family("pushgateway_http_push_duration_seconds");
        final PushedMetric put = metric(duration, "method", "put");
        assertEquals(3, put.quantileCount());
        assertEquals(0.1, put.quantile(0));
        assertEquals(0.5, put.quantile(1));
        assertEquals(0.9, put.quantile(2));
        assertEquals(3, put.sampleCount()); // every push, refused ones too, as upstream observes them
        assertEquals(1, metric(duration, "method", "post").sampleCount());
        assertEquals("A metric with a constant '1' value labeled by version, revision, branch, and goversion from"
                + " which pushgateway was built.", scrape.family("pushgateway_build_info").help());
        assertEquals(1.0, metric(scrape.family("pushgateway_build_info"), "version", "0.1.0-test").value());
        assertEquals(1.0, metric(scrape.family("pushgateway_limit_rejections_total"), "limit",
                "push.max-metric-name-length").value());
    }

    @Test
    void shouldRenderOwnFamiliesSortedByName() {
        final List<OwnFamily> families = gateway.selfMetrics.render(gateway.store, PooledByteBufAllocator.DEFAULT);
        try {
            final List<String> names = new ArrayList<>();
            for (OwnFamily family : families) {
                names.add(family.name());
            }
            final List<String> sorted = new ArrayList<>(names);
            sorted.sort(null);
            assertEquals(sorted, names);
            // no requests yet: the request counter and push summaries are absent, as in Go before the first request
            assertFalse(names.contains("pushgateway_http_requests_total"), names.toString());
            assertFalse(names.contains("pushgateway_http_push_duration_seconds"), names.toString());
            assertTrue(names.contains("pushgateway_build_info"), names.toString());
        } finally {
            for (OwnFamily family : families) {
                family.lines().release();
            }
        }
    }

    @Test
    void shouldCountPushesByHandlerCodeAndMethod() throws ParseException {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, gateway.push(HttpMethod.PUT, "/metrics/job/j" + i, GAUGE).status);
        }
        assertEquals(200, gateway.push(HttpMethod.POST, "/metrics/job/j0", GAUGE).status);
        assertEquals(400, gateway.push(HttpMethod.PUT, "/metrics/job/j0", "broken{\n").status);
        assertEquals(400, gateway.push(HttpMethod.PUT, "/metrics/job/j0/odd", GAUGE).status);
        assertEquals(202, gateway.exchange(whole(HttpMethod.DELETE, "/metrics/job/j2", "")).status);
        gateway.get("/-/healthy");
        gateway.get("/metrics");
        gateway.get("/metrics");

        final String text = gateway.get("/metrics").text();

        assertTrue(text.contains("# TYPE pushgateway_http_requests_total counter\n"), text);
        assertTrue(text.contains("\npushgateway_http_requests_total{code=\"200\",handler=\"push\",method=\"put\"} 3\n"),
                text);
        assertTrue(text.contains("\npushgateway_http_requests_total{code=\"200\",handler=\"push\",method=\"post\"} 1\n"),
                text);
        assertTrue(text.contains("\npushgateway_http_requests_total{code=\"400\",handler=\"push\",method=\"put\"} 2\n"),
                text);
        assertTrue(text.contains(
                "\npushgateway_http_requests_total{code=\"202\",handler=\"delete\",method=\"delete\"} 1\n"), text);
        assertTrue(text.contains("\npushgateway_http_requests_total{code=\"200\",handler=\"healthy\",method=\"get\"} 1\n"),
                text);
        // scrapes are not counted
        final PushedFamily requests = parse(text).family("pushgateway_http_requests_total");
        for (int i = 0; i < requests.metricCount(); i++) {
            final PushedMetric m = requests.metric(i);
            for (int l = 0; l < m.labelCount(); l++) {
                if (m.labelName(l).equals("handler")) {
                    assertFalse(m.labelValue(l).contains("metrics"), text);
                }
            }
        }
    }

    @Test
    void shouldSumPushedBytesInTheSizeSummary() throws ParseException {
        gateway.push(HttpMethod.PUT, "/metrics/job/a", GAUGE);
        gateway.push(HttpMethod.PUT, "/metrics/job/b", "x 1\n");

        final PushedFamily sizes = parse(gateway.get("/metrics").text()).family("pushgateway_http_push_size_bytes");

        final PushedMetric put = metric(sizes, "method", "put");
        assertEquals(2, put.sampleCount());
        // client_golang's approximate request size: URL, method, protocol, the one header (content-length) and the
        // declared body length
        assertEquals(approximateSize("/metrics/job/a", GAUGE) + approximateSize("/metrics/job/b", "x 1\n"),
                put.sampleSum());
    }

    private static long approximateSize(String uri, String body) {
        return uri.length() + "PUT".length() + "HTTP/1.1".length() + "content-length".length()
                + String.valueOf(body.length()).length() + body.length();
    }

    @Test
    void shouldTimeEachCommandTheStoreAppliedAndCountTheBytesItHolds() throws ParseException {
        final PushContent empty = parse(gateway.get("/metrics").text());
        assertEquals(0, empty.family("pushgateway_store_command_latency_seconds").metric(0).sampleCount());
        assertEquals(0.0, empty.family("pushgateway_store_bytes").metric(0).value());

        gateway.push(HttpMethod.PUT, "/metrics/job/a", GAUGE);
        gateway.push(HttpMethod.PUT, "/metrics/job/b", GAUGE.replace("a 1", "a 2"));
        final PushContent pushed = parse(gateway.get("/metrics").text());
        assertEquals(202, gateway.exchange(whole(HttpMethod.DELETE, "/metrics/job/a", "")).status);
        assertEquals(202, gateway.exchange(whole(HttpMethod.DELETE, "/metrics/job/b", "")).status);
        final PushContent deleted = parse(gateway.get("/metrics").text());

        final PushedMetric latency = pushed.family("pushgateway_store_command_latency_seconds").metric(0);
        assertEquals(2, latency.sampleCount());
        assertEquals(io.cairn.core.store.LatencyHistogram.BUCKETS + 1, latency.bucketCount());
        assertEquals(2, latency.cumulativeCount(latency.bucketCount() - 1), "the +Inf bucket is the count");
        assertTrue(latency.sampleSum() > 0);
        assertTrue(pushed.family("pushgateway_store_batch_apply_seconds").metric(0).sampleCount() >= 1);
        final double bytes = pushed.family("pushgateway_store_bytes").metric(0).value();
        assertTrue(bytes > 0, "two groups are held");
        assertEquals(4, deleted.family("pushgateway_store_command_latency_seconds").metric(0).sampleCount());
        assertEquals(0.0, deleted.family("pushgateway_store_bytes").metric(0).value(), "every group is gone");
    }

    @Test
    void shouldRenderTheStoreHistogramsAsProtobufHistograms() throws Exception {
        gateway.push(HttpMethod.PUT, "/metrics/job/a", GAUGE);

        final byte[] body = gateway.get("/metrics", "Accept",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited").bytes();

        final java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(body);
        Metrics.MetricFamily family;
        int histograms = 0;
        while ((family = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
            if (family.getName().equals("pushgateway_store_command_latency_seconds")
                    || family.getName().equals("pushgateway_store_batch_apply_seconds")) {
                assertEquals(Metrics.MetricType.HISTOGRAM, family.getType());
                final Metrics.Histogram h = family.getMetric(0).getHistogram();
                assertEquals(1, h.getSampleCount(), family.getName());
                assertEquals(io.cairn.core.store.LatencyHistogram.BUCKETS + 1, h.getBucketCount(), "+Inf too, as Go keeps it");
                histograms++;
            }
        }
        assertEquals(2, histograms);
    }

    @Test
    void shouldCountTlsHandshakeFailuresAndUnauthorizedRequests() throws ParseException {
        gateway.selfMetrics.countTlsHandshakeFailure();
        gateway.selfMetrics.countUnauthorized();
        gateway.selfMetrics.countUnauthorized();

        final PushContent scrape = parse(gateway.get("/metrics").text());

        assertEquals(1.0, scrape.family("pushgateway_tls_handshake_errors_total").metric(0).value());
        assertEquals(2.0, scrape.family("pushgateway_http_unauthorized_requests_total").metric(0).value());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "pushgateway_build_info|counter|COUNTER|GAUGE",
        "pushgateway_store_command_latency_seconds|summary|SUMMARY|HISTOGRAM",
        "pushgateway_http_requests_total|gauge|GAUGE|COUNTER",
        "pushgateway_http_push_duration_seconds|gauge|GAUGE|SUMMARY",
        "process_start_time_seconds|counter|COUNTER|GAUGE",
        "jvm_threads_current|untyped|UNTYPED|GAUGE",
    })
    void shouldRejectPushOfOwnFamilyWithAnotherType(String name, String pushedType, String type, String own) {
        final Answer answer = gateway.push(HttpMethod.PUT, "/metrics/job/j",
                "# TYPE " + name + " " + pushedType + "\n" + name + " 1\n");

        assertEquals(400, answer.status);
        assertEquals("pushed metrics are invalid or inconsistent with existing metrics: gathered metric family "
                + name + " has type " + type + " but should have " + own + "\n", answer.text());
        final List<String> scrape = gateway.scrapeFiltered();
        assertTrue(scrape.contains("push_failure_time_seconds{instance=\"\",job=\"j\"} <TS>"), scrape.toString());
        assertTrue(scrape.contains("push_time_seconds{instance=\"\",job=\"j\"} 0"), scrape.toString());
    }

    @Test
    void shouldAcceptPushOfOtherFamiliesInTheOwnNamespace() {
        final Answer answer = gateway.push(HttpMethod.PUT, "/metrics/job/j",
                "# TYPE pushgateway_something_else counter\npushgateway_something_else 1\n");

        assertEquals(200, answer.status, answer.text());
    }

    // ------------------------------------------------------------------ helpers

    private static PushContent parse(String exposition) throws ParseException {
        final PushContent content = new PushContent();
        final TextFormatParser parser = new TextFormatParser();
        parser.reset(content);
        parser.feed(Unpooled.wrappedBuffer(exposition.getBytes(StandardCharsets.UTF_8)));
        parser.finish();
        return content;
    }

    private static PushedMetric metric(PushedFamily family, String label, String value) {
        for (int i = 0; i < family.metricCount(); i++) {
            final PushedMetric m = family.metric(i);
            for (int l = 0; l < m.labelCount(); l++) {
                if (m.labelName(l).equals(label) && m.labelValue(l).equals(value)) {
                    return m;
                }
            }
        }
        throw new AssertionError("no " + label + "=" + value + " in " + family.name());
    }
}
