package io.cairn.server.migrate;

import com.sun.net.httpserver.HttpServer;
import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.GroupingKeyPathDecoder;
import io.cairn.core.testing.LeakRecorder;
import io.cairn.server.CairnServer;
import io.cairn.server.http.Limits;
import io.cairn.server.http.Routes;
import io.cairn.server.http.Switches;
import io.cairn.server.log.Log;
import io.cairn.server.selfmetrics.SelfMetrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * {@code cairn migrate} from JSON recorded from the Go Pushgateway 1.5.1 ({@code migrate/record.py}): the push
 * bodies and paths built for each group, the messages for bodies that are not what the API answers, and end to
 * end, a migration from a tiny HTTP server serving the recorded JSON into a real {@link CairnServer}, whose
 * {@code /metrics} must then show what the Go gateway showed ({@code migrate/scrape-pushgateway-1.5.1.txt}).
 */
class MigrateTest {
    private static final String RECORDED_JSON = "/migrate/metrics-pushgateway-1.5.1.json";
    private static final String RECORDED_SCRAPE = "/migrate/scrape-pushgateway-1.5.1.txt";
    private static final String NATIVE_JSON = "/api/metrics-native-pushgateway-1.10.0.json";
    private static final Pattern OWN = Pattern.compile("^(# (HELP|TYPE) )?(go_|process_|jvm_|pushgateway_|promhttp_)");
    private static final Pattern PUSH_TIME = Pattern.compile("^(push_(failure_)?time_seconds\\{.*\\}) \\S+$");
    private static final Pattern FAMILY = Pattern.compile("^# (?:HELP|TYPE) (\\S+)");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private CairnServer cairn;
    private String cairnBase;
    private HttpServer oldGateway;
    private String oldBase;
    private HttpServer newGateway;
    private HttpClient client;

    @AfterAll
    static void noLeaks() {
        LeakRecorder.assertNoLeaks();
    }

    // ---------------------------------------------------------------- bodies and paths from the recorded JSON

    @Test
    void shouldReadEveryRecordedGroupWithItsGroupingKey() throws Exception {
        final List<Group> groups = recordedGroups();

        final List<String> keys = new ArrayList<>();
        for (Group group : groups) {
            assertNull(group.error(), group.describe());
            keys.add(group.describe());
        }
        Collections.sort(keys);
        assertEquals(List.of(
                "{dir=\"/var/lib/data\",dot=\".\",job=\"paths\"}",
                "{env=\"prod\",instance=\"host-1:9100\",job=\"multi\",zone=\"eu-1\"}",
                "{instance=\"\",job=\"empty\"}",
                "{instance=\"i<&>\",job=\"esc\"}",
                "{job=\"M\u00fcnchen a+b\"}",
                "{job=\"basic\"}",
                "{job=\"empty2\",rack=\"r1\",zone=\"\"}",
                "{job=\"emptybody\"}",
                "{job=\"failed\"}",
                "{job=\"native\"}",
                "{job=\"quirk\"}",
                "{job=\"special\"}",
                "{job=\"team/nightly-backup\"}",
                "{job=\"utf8\",label=\"\u00fc\u20ac\uD83D\uDE00\"}"), keys);
    }

    @Test
    void shouldWriteEveryTypeWithHelpAndAllLabels() throws Exception {
        final Group basic = recordedGroup("basic");

        assertEquals(""
                + "# HELP a_first Sorts before labels.\n"
                + "# TYPE a_first gauge\n"
                + "a_first{instance=\"\",job=\"basic\"} 1\n"
                + "# HELP c_total Requests served.\n"
                + "# TYPE c_total counter\n"
                + "c_total{instance=\"\",job=\"basic\",path=\"/a\"} 3\n"
                + "c_total{instance=\"\",job=\"basic\",path=\"/b\"} 1.5\n"
                + "# TYPE g gauge\n"
                + "g{instance=\"\",job=\"basic\"} 42\n"
                + "# HELP h A histogram.\n"
                + "# TYPE h histogram\n"
                + "h_bucket{instance=\"\",job=\"basic\",le=\"0.1\"} 1\n"
                + "h_bucket{instance=\"\",job=\"basic\",le=\"0.5\"} 2\n"
                + "h_bucket{instance=\"\",job=\"basic\",le=\"1\"} 3\n"
                + "h_bucket{instance=\"\",job=\"basic\",le=\"10\"} 4\n"
                + "h_bucket{instance=\"\",job=\"basic\",le=\"+Inf\"} 5\n"
                + "h_sum{instance=\"\",job=\"basic\"} 17.5\n"
                + "h_count{instance=\"\",job=\"basic\"} 5\n"
                + "# TYPE h_no_inf histogram\n"
                + "h_no_inf_bucket{instance=\"\",job=\"basic\",le=\"1\"} 1\n"
                + "h_no_inf_bucket{instance=\"\",job=\"basic\",le=\"2\"} 3\n"
                + "h_no_inf_sum{instance=\"\",job=\"basic\"} 4\n"
                + "h_no_inf_count{instance=\"\",job=\"basic\"} 7\n"
                + "# HELP s A summary.\n"
                + "# TYPE s summary\n"
                + "s{instance=\"\",job=\"basic\",quantile=\"0.5\"} 2\n"
                + "s{instance=\"\",job=\"basic\",quantile=\"0.9\"} 4.5\n"
                + "s{instance=\"\",job=\"basic\",quantile=\"0.99\"} 8\n"
                + "s_sum{instance=\"\",job=\"basic\"} 100\n"
                + "s_count{instance=\"\",job=\"basic\"} 30\n"
                + "# TYPE s_no_quantiles summary\n"
                + "s_no_quantiles_sum{instance=\"\",job=\"basic\"} 1\n"
                + "s_no_quantiles_count{instance=\"\",job=\"basic\"} 2\n"
                + "# TYPE u_untyped untyped\n"
                + "u_untyped{instance=\"\",job=\"basic\"} 7\n"
                // "# HELP zzz " was pushed: the JSON leaves the empty HELP out, and Go's scrape shows none either
                + "# TYPE zzz untyped\n"
                + "zzz{instance=\"\",job=\"basic\"} -3.25\n", GroupTextRenderer.render(basic));
        assertEquals("/metrics/job/basic", GroupPath.of(basic.key()));
        assertEquals(List.of(), basic.notes());
    }

    @Test
    void shouldEscapeHelpAndLabelValuesAsTextFormat() throws Exception {
        final Group esc = recordedGroup("esc");

        assertEquals(""
                + "# HELP esc Help with \\\\ backslash and \\n newline, <html> & \"quotes\" \u2028 \u0001.\n"
                + "# TYPE esc gauge\n"
                + "esc{instance=\"i<&>\",job=\"esc\",v=\"a\\\\b\"} 1\n"
                + "esc{instance=\"i<&>\",job=\"esc\",v=\"q\\\"uote\"} 2\n"
                + "esc{instance=\"i<&>\",job=\"esc\",v=\"new\\nline\"} 3\n"
                + "esc{instance=\"i<&>\",job=\"esc\",v=\"<tag>&amp;\"} 4\n"
                + "esc{instance=\"i<&>\",job=\"esc\",v=\"tab\there\"} 5\n"
                + "esc{instance=\"i<&>\",job=\"esc\",v=\"M\u00fcnchen \u2603 \uD83D\uDE00\"} 6\n"
                + "esc{instance=\"i<&>\",job=\"esc\",v=\"\"} 7\n", GroupTextRenderer.render(esc));
        assertEquals("/metrics/job/esc/instance/i%3C%26%3E", GroupPath.of(esc.key()));
    }

    @Test
    void shouldWriteGoFormattedNumbersAsTheyAreAndBoundsInNumericOrder() throws Exception {
        final String body = GroupTextRenderer.render(recordedGroup("special"));

        assertTrue(body.startsWith(""
                + "# TYPE big_hist histogram\n"
                + "big_hist_bucket{instance=\"\",job=\"special\",le=\"1e-07\"} 0\n"
                + "big_hist_bucket{instance=\"\",job=\"special\",le=\"1e+06\"} 1234567\n"
                + "big_hist_bucket{instance=\"\",job=\"special\",le=\"+Inf\"} 9007199254740992\n"
                + "big_hist_sum{instance=\"\",job=\"special\"} 1e+21\n"
                + "big_hist_count{instance=\"\",job=\"special\"} 9007199254740992\n"
                + "# TYPE big_summary summary\n"
                // the JSON sorts "0.5" before "1e-05" as strings; samples go in numeric order, as pushed
                + "big_summary{instance=\"\",job=\"special\",quantile=\"1e-05\"} NaN\n"
                + "big_summary{instance=\"\",job=\"special\",quantile=\"0.5\"} -Inf\n"
                + "big_summary_sum{instance=\"\",job=\"special\"} +Inf\n"
                + "big_summary_count{instance=\"\",job=\"special\"} 10000000000000000000\n"
                + "# TYPE special gauge\n"
                + "special{instance=\"\",job=\"special\",k=\"a\"} NaN\n"), body);
        for (String sample : List.of("k=\"b\"} +Inf\n", "k=\"c\"} -Inf\n", "k=\"d\"} 1e+06\n", "k=\"e\"} 1.5e-07\n",
                "k=\"f\"} -0\n", "k=\"j\"} 0.30000000000000004\n", "k=\"k\"} 5e-324\n",
                "k=\"l\"} 1.7976931348623157e+308\n")) {
            assertTrue(body.contains("special{instance=\"\",job=\"special\"," + sample), sample);
        }
    }

    @Test
    void shouldCopyNativeHistogramOf151AsCountAndSumWithNote() throws Exception {
        final Group nativeGroup = recordedGroup("native");

        assertEquals(""
                + "# HELP nh A native histogram.\n"
                + "# TYPE nh histogram\n"
                + "nh_sum{instance=\"\",job=\"native\"} 42.75\n"
                + "nh_count{instance=\"\",job=\"native\"} 19\n", GroupTextRenderer.render(nativeGroup));
        assertEquals(List.of("nh: 1 histogram series has no buckets in the JSON; if native (pushed with protobuf),"
                + " Pushgateway before 1.8 does not show their buckets and they are lost: only _count and _sum are"
                + " copied"), nativeGroup.notes());
    }

    @Test
    void shouldSayThatNativeBucketsOfNewerGatewaysCannotBeMigrated() throws Exception {
        final List<Group> groups = ApiMetricsParser.parse(resource(NATIVE_JSON));

        assertEquals(1, groups.size());
        final Group group = groups.get(0);
        assertNull(group.error());
        assertEquals("/metrics/job/Bj%C3%B6rn/instance/inst%27a%22n%5Cce1", GroupPath.of(group.key()));
        final String body = GroupTextRenderer.render(group);
        final String labels = "instance=\"inst'a\\\"n\\\\ce1\",job=\"Bj\u00f6rn\"";
        assertTrue(body.startsWith(""
                + "# TYPE mf1 summary\n"
                + "mf1_sum{" + labels + "} 0\n"
                + "mf1_count{" + labels + "} 0\n"
                + "# TYPE mfh histogram\n"
                + "mfh_bucket{" + labels + ",testing=\"float classic histogram\",le=\"250000\"} 3\n"
                + "mfh_bucket{" + labels + ",testing=\"float classic histogram\",le=\"500000\"} 17\n"
                + "mfh_sum{" + labels + ",testing=\"float classic histogram\"} 99.23\n"
                + "mfh_count{" + labels + ",testing=\"float classic histogram\"} 20\n"
                + "mfh_sum{" + labels + ",testing=\"float native histogram\"} 99.23\n"
                + "mfh_count{" + labels + ",testing=\"float native histogram\"} 20\n"), body);
        assertTrue(body.contains("mfh_count{" + labels + ",testing=\"int native histogram\"} 20\n"), body);
        assertEquals(List.of("mfh: native histogram buckets cannot be migrated through the API (text format 0.0.4"
                + " has no native buckets): 2 series keep only _count and _sum, which scrapes show with a single"
                + " le=\"+Inf\" bucket; classic buckets of the same series are not in the JSON either"),
                group.notes());
    }

    @Test
    void shouldTakeGroupingKeyFromPushTimeWhenAFamilyIsNamedLabels() throws Exception {
        final Group quirk = recordedGroup("quirk");

        assertEquals("/metrics/job/quirk", GroupPath.of(quirk.key()));
        assertEquals(""
                + "# TYPE labels untyped\n"
                + "labels{instance=\"\",job=\"quirk\"} 1\n"
                + "# TYPE last_push_successful untyped\n"
                + "last_push_successful{instance=\"\",job=\"quirk\"} 2\n", GroupTextRenderer.render(quirk));
        assertEquals(List.of("\"labels\" holds a metric family named labels (a Pushgateway quirk): the grouping key"
                + " is taken from push_time_seconds"), quirk.notes());
    }

    @Test
    void shouldCopyLastSuccessfulContentOfFailedGroupAndEmptyGroups() throws Exception {
        final Group failed = recordedGroup("failed");
        final Group empty = recordedGroup("emptybody");

        assertEquals("# TYPE ok_metric untyped\nok_metric{instance=\"\",job=\"failed\"} 1\n",
                GroupTextRenderer.render(failed));
        assertEquals(List.of("the last push to this group failed on the old gateway: its last successful content"
                + " is copied, the failure time is not"), failed.notes());
        // only push_time_seconds and push_failure_time_seconds: an empty PUT recreates the group
        assertEquals("", GroupTextRenderer.render(empty));
        assertEquals(0, empty.families().size());
    }

    /** One line per grouping key: the path, then (checked for every row) the key it decodes back to. */
    static Stream<Arguments> paths() {
        return Stream.of(
                arguments(Map.of("job", "j"), "/metrics/job/j"),
                arguments(Map.of("job", "team/nightly"), "/metrics/job@base64/dGVhbS9uaWdodGx5"),
                arguments(Map.of("job", "/"), "/metrics/job@base64/Lw"),
                arguments(Map.of("job", "j", "dir", "/var/lib"), "/metrics/job/j/dir@base64/L3Zhci9saWI"),
                arguments(Map.of("job", "j", "instance", ""), "/metrics/job/j/instance@base64/="),
                arguments(Map.of("job", "j", "a", ".", "b", ".."), "/metrics/job/j/a@base64/Lg/b@base64/Li4"),
                arguments(Map.of("job", "..."), "/metrics/job/..."),
                arguments(Map.of("job", "M\u00fcnchen a+b"), "/metrics/job/M%C3%BCnchen%20a%2Bb"),
                arguments(Map.of("job", "j", "l", "\u00fc\u20ac\uD83D\uDE00"),
                        "/metrics/job/j/l/%C3%BC%E2%82%AC%F0%9F%98%80"),
                arguments(Map.of("job", "j", "l", "100%?#&=;@:~-._"),
                        "/metrics/job/j/l/100%25%3F%23%26%3D%3B%40%3A~-._"),
                arguments(Map.of("job", "j", "l", "a\\b\"c\nd"), "/metrics/job/j/l/a%5Cb%22c%0Ad"),
                arguments(Map.of("job", "j", "l", "%2F"), "/metrics/job/j/l/%252F"),
                arguments(Map.of("job", "j", "l", "a/b\u00fc"), "/metrics/job/j/l@base64/YS9iw7w"),
                arguments(Map.of("zone", "z", "job", "j", "env", "e", "instance", "i"),
                        "/metrics/job/j/env/e/instance/i/zone/z"));
    }

    @ParameterizedTest
    @MethodSource("paths")
    void shouldBuildPushPathThatDecodesToTheSameKey(Map<String, String> labels, String path) throws Exception {
        final SortedMap<String, String> key = new TreeMap<>(labels);

        assertEquals(path, GroupPath.of(key));
        assertEquals(GroupingKey.of(key), GroupingKeyPathDecoder.decode(path.substring("/metrics/job".length()),
                false));
    }

    @Test
    void shouldBuildForEveryRecordedGroupPathThatDecodesToItsKey() throws Exception {
        for (Group group : recordedGroups()) {
            final String path = GroupPath.of(group.key());
            assertEquals(GroupingKey.of(group.key()),
                    GroupingKeyPathDecoder.decode(path.substring("/metrics/job".length()), false), path);
        }
    }

    /** JSON that is not the shape of the API: (body, the group's error or, for the whole body, the exception). */
    static Stream<Arguments> shapes() {
        final String group = "{\"status\":\"success\",\"data\":[{\"labels\":{\"job\":\"j\"},"
                + "\"last_push_successful\":true,";
        return Stream.of(
                arguments("[]", "the body: expected an object, found an array of 0"),
                arguments("{\"status\":\"error\",\"errorType\":\"x\",\"error\":\"boom\"}",
                        "the body has \"status\": the string \"error\", not \"success\": boom"),
                arguments("{\"data\":[]}", "the body has \"status\": nothing (null or missing), not \"success\""),
                arguments("{\"status\":\"success\",\"data\":{}}", "data: expected an array, found an object"),
                arguments("{\"status\":\"success\",\"data\":[7]}", "data[0]: expected an object, found the number 7"),
                arguments("{\"status\":\"success\",\"data\":[{\"last_push_successful\":true}]}",
                        "data[0].labels: expected an object, found nothing (null or missing)"),
                arguments("{\"status\":\"success\",\"data\":[{\"labels\":{\"instance\":\"i\"},"
                        + "\"last_push_successful\":true}]}",
                        "data[0].labels: the grouping key has no job label (or an empty one)"),
                arguments("{\"status\":\"success\",\"data\":[{\"labels\":{\"job\":3},\"last_push_successful\":true}]}",
                        "data[0].labels.job: expected a string, found the number 3"),
                arguments("{\"status\":\"success\",\"data\":[{\"labels\":{\"job\":\"j\"}}]}",
                        "data[0].last_push_successful: expected true or false, found nothing (null or missing)"),
                arguments(group + "\"g\":{\"type\":\"GAUGE\",\"metrics\":[{\"labels\":{},\"value\":3}]}}]}",
                        "data[0].g.metrics[0].value: expected a string holding a number, found the number 3"),
                arguments(group + "\"g\":{\"type\":\"GAUGE\",\"metrics\":[{\"labels\":{},\"value\":\"1,5\"}]}}]}",
                        "data[0].g.metrics[0].value: \"1,5\" is not a number as Go writes it"),
                arguments(group + "\"g\":{\"type\":\"GAUGE\",\"metrics\":[{\"labels\":{},\"value\":\"1\\n2\"}]}}]}",
                        "data[0].g.metrics[0].value: \"1\\n2\" is not a number as Go writes it"),
                arguments(group + "\"g\":{\"type\":\"GAUGE\",\"metrics\":[{\"labels\":{},\"value\":\"1e999\"}]}}]}",
                        "data[0].g.metrics[0].value: \"1e999\" is not a number as Go writes it"),
                arguments(group + "\"g\":{\"type\":\"GAUGE\",\"metrics\":[{\"labels\":{}}]}}]}",
                        "data[0].g.metrics[0]: missing key \"value\""),
                arguments(group + "\"g\":{\"type\":\"GAUGE\",\"metrics\":[{\"labels\":{},\"value\":\"1\","
                        + "\"exemplar\":{}}]}}]}",
                        "data[0].g.metrics[0]: unexpected key \"exemplar\" (expected labels, value)"),
                arguments(group + "\"g\":{\"type\":\"GAUGE\",\"metrics\":[],\"unit\":\"s\"}}]}",
                        "data[0].g: unexpected key \"unit\" (expected help, metrics, time_stamp, type)"),
                arguments(group + "\"g\":{\"metrics\":[]}}]}", "data[0].g: missing key \"type\""),
                arguments(group + "\"g\":{\"type\":null,\"metrics\":[]}}]}",
                        "data[0].g.type: expected a string, found nothing (null or missing)"),
                arguments(group + "\"g\":{\"type\":\"GAUGE_HISTOGRAM\",\"metrics\":[]}}]}",
                        "data[0].g.type: the type \"GAUGE_HISTOGRAM\" cannot be written in text format 0.0.4"
                                + " (expected COUNTER, GAUGE, SUMMARY, HISTOGRAM or UNTYPED)"),
                arguments(group + "\"my.metric\":{\"type\":\"GAUGE\",\"metrics\":[]}}]}",
                        "data[0][\"my.metric\"]: the metric name \"my.metric\" cannot be written in text format 0.0.4"
                                + " ([a-zA-Z_:][a-zA-Z0-9_:]*); UTF-8 names are not migrated"),
                arguments(group + "\"g\":{\"type\":\"GAUGE\",\"metrics\":[{\"labels\":{\"a.b\":\"x\"},"
                        + "\"value\":\"1\"}]}}]}",
                        "data[0].g.metrics[0].labels: the label name \"a.b\" cannot be written in text format 0.0.4"
                                + " ([a-zA-Z_][a-zA-Z0-9_]*); UTF-8 names are not migrated"),
                arguments(group + "\"s\":{\"type\":\"SUMMARY\",\"metrics\":[{\"labels\":{},\"quantiles\":"
                        + "{\"median\":\"1\"},\"count\":\"1\",\"sum\":\"1\"}]}}]}",
                        "data[0].s.metrics[0].quantiles.median: the key \"median\" is not a number as Go writes it"),
                arguments(group + "\"h\":{\"type\":\"HISTOGRAM\",\"metrics\":[{\"labels\":{},\"buckets\":\"x\","
                        + "\"count\":\"1\",\"sum\":\"1\"}]}}]}",
                        "data[0].h.metrics[0].buckets: expected an object (classic buckets) or an array (native"
                                + " buckets), found the string \"x\""),
                arguments(group + "\"h\":{\"type\":\"HISTOGRAM\",\"metrics\":[{\"labels\":{},\"buckets\":[[0,\"1\"]],"
                        + "\"count\":\"1\",\"sum\":\"1\"}]}}]}",
                        "data[0].h.metrics[0].buckets[0]: expected a native bucket [kind, lower, upper, count],"
                                + " found an array of 2"),
                arguments("{\"status\":\"success\",\"data\":[{\"labels\":{\"time_stamp\":\"t\",\"type\":\"UNTYPED\","
                        + "\"metrics\":[]},\"last_push_successful\":true}]}",
                        "data[0]: \"labels\" holds a metric family named labels (a Pushgateway quirk) and there is no"
                                + " push_time_seconds series to take the grouping key from"),
                arguments("{\"status\":\"success\",\"data\":[{\"labels\":{\"job\":\"j\",\"__x\":\"1\"},"
                        + "\"last_push_successful\":true}]}",
                        "data[0].labels: the grouping label name \"__x\" cannot be written in a push path; UTF-8 names"
                                + " are not migrated"));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void shouldNameTheJsonPathOfEveryShapeProblem(String json, String message) throws Exception {
        String actual;
        try {
            final List<Group> groups = ApiMetricsParser.parse(json.getBytes(StandardCharsets.UTF_8));
            assertEquals(1, groups.size());
            actual = groups.get(0).error();
            assertTrue(groups.get(0).families().isEmpty());
        } catch (ApiMetricsParser.ShapeException e) {
            actual = e.getMessage();
        }
        assertEquals(message, actual);
    }

    @Test
    void shouldNoteFamiliesWithoutSeriesAndFractionalHistogramCounts() throws Exception {
        final List<Group> groups = ApiMetricsParser.parse(("{\"status\":\"success\",\"data\":[{\"labels\":"
                + "{\"job\":\"j\"},\"last_push_successful\":true,\"e\":{\"type\":\"COUNTER\",\"metrics\":[]},"
                + "\"fh\":{\"type\":\"HISTOGRAM\",\"metrics\":[{\"labels\":{},\"buckets\":{\"1\":\"0.5\"},"
                + "\"count\":\"2.5\",\"sum\":\"3\"}]}}]}").getBytes(StandardCharsets.UTF_8));

        final Group group = groups.get(0);
        assertEquals("# TYPE fh histogram\nfh_bucket{le=\"1\"} 0.5\nfh_sum 3\nfh_count 2.5\n",
                GroupTextRenderer.render(group));
        assertEquals(List.of("e: a family without series is left out (text format 0.0.4 cannot carry it; the old"
                        + " gateway's scrapes do not show it either)",
                "fh: a float histogram has counts that are not integers; text format 0.0.4 carries histogram counts"
                        + " as integers, so the new gateway truncates them"), group.notes());
    }

    // ---------------------------------------------------------------- flags

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                arguments(new String[] {}, "cairn migrate: error: required flag --from not provided, try --help"),
                arguments(new String[] {"--to=http://x:1"},
                        "cairn migrate: error: required flag --from not provided, try --help"),
                arguments(new String[] {"--from"}, "cairn migrate: error: expected argument for flag '--from', try"
                        + " --help"),
                arguments(new String[] {"--from=http://a:1", "--bogus"},
                        "cairn migrate: error: unknown long flag '--bogus', try --help"),
                arguments(new String[] {"--from=http://a:1", "-x"},
                        "cairn migrate: error: unknown short flag '-x', try --help"),
                arguments(new String[] {"--from=http://a:1", "extra"},
                        "cairn migrate: error: unexpected extra, try --help"),
                arguments(new String[] {"--from=http://a:1", "--dry-run=yes"},
                        "cairn migrate: error: flag '--dry-run' takes no value, try --help"),
                arguments(new String[] {"--from", "old-gateway:9091"},
                        "cairn migrate: error: --from: \"old-gateway:9091\" is not an http:// or https:// URL (for"
                                + " example http://old-gateway:9091), try --help"),
                arguments(new String[] {"--from", "http://old gateway"},
                        "cairn migrate: error: --from: \"http://old gateway\" is not a URL: Illegal character in"
                                + " authority at index 7: http://old gateway, try --help"),
                arguments(new String[] {"--from=http:///x"},
                        "cairn migrate: error: --from: \"http:///x\" has no host, try --help"),
                arguments(new String[] {"--from=http://a:1/?x=1"}, "cairn migrate: error: --from:"
                        + " \"http://a:1/?x=1\" has a query or fragment; give the gateway's base URL only, try --help"),
                arguments(new String[] {"--from=http://127.0.0.1:9091/"}, "cairn migrate: error: --from and --to"
                        + " name the same gateway (http://127.0.0.1:9091), try --help"));
    }

    @ParameterizedTest
    @MethodSource("usageErrors")
    void shouldRejectCommandLineWithKingpinStyleMessage(String[] args, String message) {
        assertEquals(Migrate.EXIT_NOTHING_PUSHED, Migrate.run(args, stream(outBytes), stream(errBytes)));
        assertEquals(message + "\n", text(errBytes));
        assertEquals("", text(outBytes));
    }

    @Test
    void shouldPrintHelp() {
        assertEquals(Migrate.EXIT_OK, Migrate.run(new String[] {"--from=http://a:1", "--help"}, stream(outBytes),
                stream(errBytes)));
        assertTrue(text(outBytes).startsWith("usage: cairn migrate --from=URL [<flags>]\n"), text(outBytes));
        assertTrue(text(outBytes).contains("      --to=http://127.0.0.1:9091\n"), text(outBytes));
        assertEquals("", text(errBytes));
    }

    @Test
    void shouldTurnUserInfoIntoBasicAuthorizationAndKeepRoutePrefix() throws Exception {
        final MigrateOptions options = MigrateOptions.parse(new String[] {
            "--from", "HTTPS://admin:p%40ss@old:9091/pgw//", "--to=http://127.0.0.1:9091"});

        assertEquals("https://old:9091/pgw", options.from().base());
        assertEquals("Basic YWRtaW46cEBzcw==", options.from().authorization());
        assertNull(options.to().authorization());
        assertFalse(options.dryRun());
    }

    // ---------------------------------------------------------------- end to end

    /** Only the end-to-end tests start a gateway. */
    private void startCairn() throws Exception {
        startCairn(true);
    }

    private void startCairn(boolean consistencyCheck) throws Exception {
        final Log log = Log.create(Log.Level.INFO, Log.Format.LOGFMT,
                new PrintStream(logBytes, true, StandardCharsets.UTF_8), Clock.systemUTC());
        final Switches switches = new Switches(false, false, consistencyCheck, false, false);
        cairn = new CairnServer(log, new Routes("", "/metrics"), switches, Limits.defaults(),
                Map.of("web.listen-address", "127.0.0.1:0"), Map.of("version", "0.1.0-test"),
                new SelfMetrics("0.1.0-test", "test-revision", "test-branch"));
        cairn.start(List.of(new InetSocketAddress("127.0.0.1", 0)));
        cairnBase = "http://127.0.0.1:" + cairn.boundAddresses().get(0).getPort();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    }

    @AfterEach
    void stopGateways() {
        if (cairn != null) {
            cairn.stop();
        }
        if (oldGateway != null) {
            oldGateway.stop(0);
        }
        if (newGateway != null) {
            newGateway.stop(0);
        }
    }

    @Test
    void shouldMigrateRecordedGoGatewaySoThatBothScrapesAgree() throws Exception {
        serveOldGateway(200, "application/json", resource(RECORDED_JSON));

        final int status = migrate("--from", oldBase, "--to", cairnBase);

        assertEquals(Migrate.EXIT_OK, status, text(outBytes) + text(errBytes));
        assertEquals("", text(errBytes));
        final List<String> out = lines(text(outBytes));
        assertEquals("reading " + oldBase + "/api/v1/metrics", out.get(0));
        assertTrue(out.get(1).matches("read 14 groups, as of \\S+Z \\(unix time \\d+\\.\\d{3}\\); pushing them to "
                + Pattern.quote(cairnBase)), out.get(1));
        assertTrue(out.contains("ok      {job=\"basic\"} 9 families, 10 series"), out.toString());
        assertTrue(out.contains("ok      {job=\"team/nightly-backup\"} 1 family, 1 series"), out.toString());
        assertTrue(out.contains("ok      {job=\"emptybody\"} 0 families, 0 series"), out.toString());
        assertEquals(3, out.stream().filter(l -> l.startsWith("note    ")).count(), out.toString());
        assertEquals(14, out.stream().filter(l -> l.startsWith("ok      ")).count(), out.toString());
        assertTrue(out.get(out.size() - 1).matches("migrated 14 of 14 groups \\(25 families, 43 series\\) from "
                + Pattern.quote(oldBase) + " to " + Pattern.quote(cairnBase) + " in \\d+\\.\\d\\d s"),
                out.get(out.size() - 1));
        final List<String> recorded = normalised(new String(resource(RECORDED_SCRAPE), StandardCharsets.UTF_8));
        assertEquals(recorded, normalised(scrapeCairn()));

        // a PUT replaces the whole group: a second run leaves the same store
        outBytes.reset();
        assertEquals(Migrate.EXIT_OK, migrate("--from", oldBase, "--to", cairnBase), text(outBytes));
        assertEquals(recorded, normalised(scrapeCairn()));
    }

    @Test
    void shouldSayWhenNewGatewayAcceptsPushesUnchecked() throws Exception {
        startCairn(false);
        serveOldGateway(200, "application/json", resource(RECORDED_JSON));

        assertEquals(Migrate.EXIT_OK, migrate("--from", oldBase, "--to", cairnBase), text(outBytes));

        final List<String> out = lines(text(outBytes));
        assertEquals("note: the new gateway answered 202 to 14 pushes: it runs with --push.disable-consistency-check"
                + " and checks pushes after answering; a push it rejects only sets push_failure_time_seconds of its"
                + " group", out.get(out.size() - 1));
        assertEquals(normalised(new String(resource(RECORDED_SCRAPE), StandardCharsets.UTF_8)),
                normalised(scrapeCairnWhenSettled()));
    }

    @Test
    void shouldPrintEachPutInDryRunAndPushNothing() throws Exception {
        serveOldGateway(200, "application/json", resource(RECORDED_JSON));

        final int status = migrate("--dry-run", "--from=" + oldBase, "--to=" + cairnBase);

        assertEquals(Migrate.EXIT_OK, status, text(errBytes));
        final String out = text(outBytes);
        assertTrue(out.contains("; dry run: nothing is pushed to " + cairnBase + "\n"), out);
        assertTrue(out.contains("PUT " + cairnBase + "/metrics/job/paths/dir@base64/L3Zhci9saWIvZGF0YQ"
                + "/dot@base64/Lg\n# TYPE disk_free_bytes gauge\n"
                + "disk_free_bytes{dir=\"/var/lib/data\",dot=\".\",instance=\"\",job=\"paths\"} 1.2345e+10\n"
                + "\nok      "), out);
        assertTrue(out.contains("PUT " + cairnBase + "/metrics/job/emptybody\n(empty body: the group holds nothing"
                + " but its push timestamps)\n"), out);
        assertTrue(out.contains("PUT " + cairnBase + "/metrics/job@base64/dGVhbS9uaWdodGx5LWJhY2t1cA\n"), out);
        assertTrue(out.contains("PUT " + cairnBase + "/metrics/job/empty2/rack/r1/zone@base64/=\n"), out);
        assertTrue(out.contains("PUT " + cairnBase + "/metrics/job/utf8/label/%C3%BC%E2%82%AC%F0%9F%98%80\n"), out);
        assertTrue(out.contains("\ndry run: would migrate 14 of 14 groups (25 families, 43 series) from "), out);
        assertEquals(List.of(), normalised(scrapeCairn()));
    }

    @Test
    void shouldReportGroupThatNewGatewayRejectsWithItsAnswerAndExitNonZero() throws Exception {
        serveOldGateway(200, "application/json", ("{\"status\":\"success\",\"data\":["
                + "{\"labels\":{\"job\":\"a\"},\"last_push_successful\":true,"
                + "\"x\":{\"type\":\"COUNTER\",\"metrics\":[{\"labels\":{\"job\":\"a\"},\"value\":\"1\"}]}},"
                + "{\"labels\":{\"job\":\"b\"},\"last_push_successful\":true,"
                + "\"x\":{\"type\":\"GAUGE\",\"metrics\":[{\"labels\":{\"job\":\"b\"},\"value\":\"2\"}]}},"
                + "{\"labels\":{\"job\":\"c\"},\"last_push_successful\":true,"
                + "\"y\":{\"type\":\"GAUGE\",\"metrics\":[{\"labels\":{},\"value\":2}]}}]}")
                .getBytes(StandardCharsets.UTF_8));

        final int status = migrate("--from", oldBase, "--to", cairnBase);

        assertEquals(Migrate.EXIT_GROUPS_FAILED, status);
        final List<String> out = lines(text(outBytes));
        assertEquals("ok      {job=\"a\"} 1 family, 1 series", out.get(2));
        assertTrue(out.get(3).startsWith("FAILED  {job=\"b\"} PUT " + cairnBase + "/metrics/job/b answered 400:"
                + " pushed metrics are invalid or inconsistent with existing metrics: "), out.get(3));
        assertEquals("FAILED  {job=\"c\"} cannot be read from the old gateway's JSON: data[2].y.metrics[0].value:"
                + " expected a string holding a number, found the number 2", out.get(4));
        assertTrue(out.get(5).matches("migrated 1 of 3 groups \\(1 family, 1 series\\) from .* in \\d+\\.\\d\\d s;"
                + " 2 groups failed: \\{job=\"b\"\\} \\{job=\"c\"\\}"), out.get(5));
        assertEquals("", text(errBytes));
    }

    @Test
    void shouldReportConnectionRefused() throws Exception {
        startCairn();
        final int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }

        final int status = migrate("--from", "http://127.0.0.1:" + port, "--to", cairnBase);

        assertEquals(Migrate.EXIT_NOTHING_PUSHED, status);
        assertEquals("cairn migrate: error: cannot read the old gateway: GET http://127.0.0.1:" + port
                + "/api/v1/metrics: connection refused\n", text(errBytes));
    }

    @Test
    void shouldCheckThatNewGatewayIsReadyBeforeReadingAnything() throws Exception {
        serveOldGateway(200, "application/json", resource(RECORDED_JSON));
        final int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }

        final int status = migrate("--from", oldBase, "--to", "http://127.0.0.1:" + port);

        assertEquals(Migrate.EXIT_NOTHING_PUSHED, status);
        assertEquals("cairn migrate: error: cannot reach the new gateway: GET http://127.0.0.1:" + port
                + "/-/ready: connection refused\n", text(errBytes));
        assertEquals("", text(outBytes));
    }

    @Test
    void shouldReportNewGatewayThatIsNotReadyWithItsAnswer() throws Exception {
        serveOldGateway(200, "application/json", resource(RECORDED_JSON));
        newGateway = fakeGateway(500, "write queue is full");

        assertEquals(Migrate.EXIT_NOTHING_PUSHED, migrate("--from", oldBase, "--to", newGatewayBase()));
        assertEquals("cairn migrate: error: the new gateway is not ready: GET " + newGatewayBase() + "/-/ready"
                + " answered 500: write queue is full\n", text(errBytes));
    }

    @Test
    void shouldReportConnectionThatBreaksDuringPushPerGroup() throws Exception {
        serveOldGateway(200, "application/json", resource(RECORDED_JSON));
        newGateway = fakeGateway(200, "OK");

        final int status = migrate("--from", oldBase, "--to", newGatewayBase());

        assertEquals(Migrate.EXIT_GROUPS_FAILED, status);
        final List<String> failed = lines(text(outBytes)).stream().filter(l -> l.startsWith("FAILED  "))
                .collect(Collectors.toList());
        assertEquals(14, failed.size(), text(outBytes));
        // the JDK's own words follow in parentheses
        assertTrue(failed.get(1).startsWith("FAILED  {job=\"basic\"} PUT " + newGatewayBase() + "/metrics/job/basic:"
                + " the connection closed before a complete answer ("), failed.get(1));
        final String summary = lines(text(outBytes)).get(lines(text(outBytes)).size() - 1);
        assertTrue(summary.matches("migrated 0 of 14 groups \\(0 families, 0 series\\) from .*; 14 groups failed:"
                + "( \\{[^}]*\\}){14}"), summary);
    }

    @Test
    void shouldReportAnswerThatIsNotOkWithItsBody() throws Exception {
        serveOldGateway(500, "text/plain", "write queue is full\n".getBytes(StandardCharsets.UTF_8));

        assertEquals(Migrate.EXIT_NOTHING_PUSHED, migrate("--from", oldBase + "/", "--to", cairnBase));
        assertEquals("cairn migrate: error: cannot read the old gateway: GET " + oldBase + "/api/v1/metrics"
                + " answered 500: write queue is full\n", text(errBytes));
        assertEquals("reading " + oldBase + "/api/v1/metrics\n", text(outBytes));
    }

    @Test
    void shouldHintAtVersionAndRoutePrefixOn404() throws Exception {
        serveOldGateway(404, "text/plain", "404 page not found\n".getBytes(StandardCharsets.UTF_8));

        assertEquals(Migrate.EXIT_NOTHING_PUSHED, migrate("--from", oldBase, "--to", cairnBase));
        assertEquals("cairn migrate: error: cannot read the old gateway: GET " + oldBase + "/api/v1/metrics"
                + " answered 404 (the JSON API exists since Pushgateway 1.2.0; does --from name the gateway's base"
                + " URL, with its --web.route-prefix?): 404 page not found\n", text(errBytes));
    }

    @Test
    void shouldReportBodyThatIsNotJson() throws Exception {
        serveOldGateway(200, "text/html", "<html>login</html>".getBytes(StandardCharsets.UTF_8));

        assertEquals(Migrate.EXIT_NOTHING_PUSHED, migrate("--from", oldBase, "--to", cairnBase));
        assertEquals("cairn migrate: error: cannot read the old gateway: GET " + oldBase + "/api/v1/metrics"
                + " answered 200 with a body that is not JSON (Content-Type: text/html, 18 bytes): invalid JSON at"
                + " line 1, column 1 (byte offset 0): expected a value, found '<'\n", text(errBytes));
    }

    @Test
    void shouldReportJsonThatIsNotTheApiShape() throws Exception {
        serveOldGateway(200, "application/json", "{\"status\":\"success\",\"data\":{\"job\":\"j\"}}"
                .getBytes(StandardCharsets.UTF_8));

        assertEquals(Migrate.EXIT_NOTHING_PUSHED, migrate("--from", oldBase, "--to", cairnBase));
        assertEquals("cairn migrate: error: cannot read the old gateway: GET " + oldBase + "/api/v1/metrics"
                + " answered JSON that is not a /api/v1/metrics answer: data: expected an array, found an object\n",
                text(errBytes));
    }

    // ---------------------------------------------------------------- helpers

    private int migrate(String... args) {
        return Migrate.run(args, stream(outBytes), stream(errBytes));
    }

    private void serveOldGateway(int status, String contentType, byte[] body) throws Exception {
        if (cairn == null) {
            startCairn();
        }
        oldGateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        oldGateway.createContext("/", exchange -> {
            final byte[] answer = exchange.getRequestURI().getPath().equals("/api/v1/metrics")
                    && exchange.getRequestMethod().equals("GET") ? body : "404 page not found\n".getBytes(
                    StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(answer == body ? status : 404, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        oldGateway.start();
        oldBase = "http://127.0.0.1:" + oldGateway.getAddress().getPort();
    }

    /** A new gateway that answers {@code /-/ready} as told and closes the connection on every push. */
    private static HttpServer fakeGateway(int readyStatus, String readyBody) throws IOException {
        final HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().equals("/-/ready")) {
                final byte[] body = readyBody.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(readyStatus, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            } else {
                exchange.getRequestBody().readAllBytes();
                exchange.close();
            }
        });
        server.start();
        return server;
    }

    private String newGatewayBase() {
        return "http://127.0.0.1:" + newGateway.getAddress().getPort();
    }

    private String scrapeCairn() throws Exception {
        final HttpResponse<String> scrape = client.send(HttpRequest.newBuilder(URI.create(cairnBase + "/metrics"))
                .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(200, scrape.statusCode());
        return scrape.body();
    }

    /** With 202 answers the writer may still be applying the last pushes: wait until all 14 groups are there. */
    private String scrapeCairnWhenSettled() throws Exception {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        for (;;) {
            final String scrape = scrapeCairn();
            if (scrape.split("\npush_time_seconds\\{", -1).length - 1 == 14 || System.nanoTime() > deadline) {
                return scrape;
            }
            Thread.sleep(10);
        }
    }

    /**
     * An exposition as "family TAB line" lines, sorted: own families dropped, push times masked. Cairn writes the
     * series of a family group after group where Go sorts them across groups, so their order is not compared.
     */
    static List<String> normalised(String exposition) {
        final List<String> lines = new ArrayList<>();
        String family = "";
        for (String line : exposition.split("\n")) {
            if (line.isEmpty() || OWN.matcher(line).find()) {
                continue;
            }
            final Matcher name = FAMILY.matcher(line);
            if (name.find()) {
                family = name.group(1);
            }
            final Matcher push = PUSH_TIME.matcher(line);
            lines.add(family + "\t" + (push.matches() ? push.group(1) + " <TS>" : line));
        }
        Collections.sort(lines);
        return lines;
    }

    private static List<Group> recordedGroups() throws Exception {
        return ApiMetricsParser.parse(resource(RECORDED_JSON));
    }

    private static Group recordedGroup(String job) throws Exception {
        final List<Group> found = recordedGroups().stream()
                .filter(g -> g.key() != null && job.equals(g.key().get("job")))
                .collect(Collectors.toList());
        assertEquals(1, found.size(), job);
        assertNotNull(found.get(0).key());
        return found.get(0);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = MigrateTest.class.getResourceAsStream(name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    private static PrintStream stream(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    private static String text(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static List<String> lines(String text) {
        return List.of(text.split("\n"));
    }
}
