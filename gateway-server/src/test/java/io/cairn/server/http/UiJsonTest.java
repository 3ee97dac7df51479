package io.cairn.server.http;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.GroupingKeyPathDecoder;
import io.cairn.core.testing.LeakRecorder;
import io.cairn.server.http.GatewayHarness.Answer;
import io.cairn.server.migrate.JsonParser;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The web UI's endpoints ({@link UiJson}) through {@link GatewayHandler}, under a route prefix. */
class UiJsonTest {
    private static final String GROUPS = "/p/api/cairn/v1/groups";

    private final GatewayHarness gateway = new GatewayHarness(false, false, true, "/p", false);

    @AfterEach
    void finishChannel() {
        assertFalse(gateway.finish());
    }

    @AfterAll
    static void noLeaks() {
        LeakRecorder.assertNoLeaks();
    }

    @Test
    void shouldListGroupsByJobThenKeyWithTimesAndFamilies() throws Exception {
        push("/p/metrics/job/zeta", "z 1\n");
        push("/p/metrics/job/alpha/instance/i2", "# TYPE a counter\na{x=\"1\"} 1\na{x=\"2\"} 2\n");
        push("/p/metrics/job/alpha/instance/i1", "b 1\n");

        final Map<?, ?> data = data(gateway.get(GROUPS));

        assertEquals(3, number(data, "total"));
        assertEquals(3, number(data, "matched"));
        assertEquals(Boolean.FALSE, data.get("wipe_enabled"));
        final List<?> groups = (List<?>) data.get("groups");
        assertEquals(List.of(Map.of("instance", "i1", "job", "alpha"), Map.of("instance", "i2", "job", "alpha"),
                Map.of("job", "zeta")), groups.stream().map(g -> ((Map<?, ?>) g).get("labels")).toList());
        final Map<?, ?> second = (Map<?, ?>) groups.get(1);
        assertEquals("job@base64/YWxwaGE/instance@base64/aTI", second.get("path"));
        assertEquals(Boolean.TRUE, second.get("last_push_successful"));
        assertTrue(number(second, "push_time_seconds") > 1_700_000_000, second.toString());
        assertEquals(0, number(second, "push_failure_time_seconds"));
        assertEquals(3, number(second, "family_count"));
        assertEquals(4, number(second, "series_count"));
        assertEquals(Map.of("name", "a", "type", "COUNTER", "series_count", new java.math.BigDecimal(2)),
                ((List<?>) second.get("families")).get(0));
    }

    @Test
    void shouldOfferToDeleteEveryGroupWithTheAdminApiOnly() throws Exception {
        final GatewayHarness admin = new GatewayHarness(false, true, true, "/p", false);
        try {
            assertEquals(Boolean.TRUE, data(admin.get(GROUPS)).get("wipe_enabled"));
        } finally {
            assertFalse(admin.finish());
        }
    }

    @Test
    void shouldPageAndFilterGroups() throws Exception {
        for (int i = 0; i < 7; i++) {
            push("/p/metrics/job/j" + i + "/instance/host" + (i % 2), "m" + i + " 1\n");
        }

        final Map<?, ?> page = data(gateway.get(GROUPS + "?offset=2&limit=3"));
        assertEquals(List.of("j2", "j3", "j4"), jobs(page));
        assertEquals(7, number(page, "matched"));
        assertEquals(List.of("j6"), jobs(data(gateway.get(GROUPS + "?offset=6&limit=3"))));
        assertEquals(List.of(), jobs(data(gateway.get(GROUPS + "?offset=70"))));

        // terms all match, ignoring case, in name=value or in a family name
        assertEquals(List.of("j1", "j3", "j5"), jobs(data(gateway.get(GROUPS + "?filter=instance%3DHOST1"))));
        assertEquals(List.of("j3"), jobs(data(gateway.get(GROUPS + "?filter=host1+m3"))));
        final Map<?, ?> none = data(gateway.get(GROUPS + "?filter=nothing"));
        assertEquals(0, number(none, "matched"));
        assertEquals(7, number(none, "total"));
    }

    @Test
    void shouldShowTheGroupWithItsSeriesUpToTheLimit() throws Exception {
        push("/p/metrics/job/j/a@base64/", "# HELP g A <gauge>.\n# TYPE g gauge\ng{x=\"1\"} 1\ng{x=\"2\"} 2\n"
                + "# TYPE s summary\ns{quantile=\"0.5\"} 3\ns_sum 10\ns_count 4\n");
        final String path = (String) ((Map<?, ?>) ((List<?>) data(gateway.get(GROUPS)).get("groups")).get(0))
                .get("path");
        assertEquals("job@base64/ag/a@base64/=", path);

        final Answer answer = gateway.get(GROUPS + "/" + path + "?limit=1");
        assertEquals("application/json", answer.header(HttpHeaderNames.CONTENT_TYPE));
        assertEquals("no-store", answer.header(HttpHeaderNames.CACHE_CONTROL));
        final Map<?, ?> group = data(answer);
        assertEquals(Map.of("a", "", "job", "j"), group.get("labels"));
        final List<?> families = (List<?>) group.get("families");
        assertEquals(List.of("g", "push_failure_time_seconds", "push_time_seconds", "s"),
                families.stream().map(f -> ((Map<?, ?>) f).get("name")).toList());
        final Map<?, ?> g = (Map<?, ?>) families.get(0);
        assertEquals("A <gauge>.", g.get("help"));
        assertEquals(2, number(g, "series_count"));
        assertEquals(Boolean.TRUE, g.get("truncated"));
        assertEquals(List.of(Map.of("labels", Map.of("a", "", "instance", "", "job", "j", "x", "1"), "value", "1")), g.get("metrics"));
        final Map<?, ?> s = (Map<?, ?>) families.get(3);
        assertEquals(Boolean.FALSE, s.get("truncated"));
        assertEquals(List.of(Map.of("count", "4", "labels", Map.of("a", "", "instance", "", "job", "j"), "quantiles",
                Map.of("0.5", "3"), "sum", "10")), s.get("metrics"));
        assertTrue(answer.text().contains("\"help\":\"A \\u003cgauge\\u003e.\""), "escaped as /api/v1/metrics");
    }

    @Test
    void shouldAnswer404ForAnAbsentGroupAnd400ForABadKeyOrParameter() {
        assertEquals(404, gateway.get(GROUPS + "/job/nobody").status);
        assertEquals(400, gateway.get(GROUPS + "/job@base64/!!").status);
        assertEquals(400, gateway.get(GROUPS + "?limit=0").status);
        assertEquals(400, gateway.get(GROUPS + "?limit=" + (UiJson.MAX_LIMIT + 1)).status);
        assertEquals(400, gateway.get(GROUPS + "?offset=-1").status);
        assertEquals(400, gateway.get(GROUPS + "/job/j?limit=x").status);
        assertEquals(400, gateway.get(GROUPS + "?filter=%zz").status);
        assertEquals(404, gateway.get("/p/api/cairn/v1/other").status);
        assertEquals(404, gateway.get("/api/cairn/v1/groups").status, "outside the route prefix");
        final Answer post = gateway.exchange(GatewayHarness.whole(HttpMethod.POST, GROUPS, ""));
        assertEquals(405, post.status);
        assertEquals("GET, OPTIONS", post.header(HttpHeaderNames.ALLOW));
    }

    @Test
    void shouldLeaveApiV1MetricsAsItWas() throws Exception {
        push("/p/metrics/job/j", "a 1\n");

        final Answer answer = gateway.get("/p/api/v1/metrics");

        assertEquals(200, answer.status);
        assertTrue(answer.text().startsWith("{\"status\":\"success\",\"data\":[{\"a\":{\"time_stamp\":"),
                answer.text());
        assertFalse(answer.text().contains("\"path\""), answer.text());
    }

    @Test
    void shouldServeThePageAndItsFilesWithValidators() {
        final Answer page = gateway.get("/p/");
        assertEquals(200, page.status);
        assertEquals("text/html; charset=utf-8", page.header(HttpHeaderNames.CONTENT_TYPE));
        assertTrue(page.header("Content-Security-Policy").contains("script-src 'self'"));
        assertTrue(page.text().contains("<script src=\"static/ui.js\" defer></script>"), page.text());
        assertEquals(page.text(), gateway.get("/p/status").text());

        final Answer script = gateway.get("/p/static/ui.js");
        assertEquals("text/javascript; charset=utf-8", script.header(HttpHeaderNames.CONTENT_TYPE));
        assertEquals("no-cache", script.header(HttpHeaderNames.CACHE_CONTROL));
        assertEquals("nosniff", script.header("X-Content-Type-Options"));
        final String etag = script.header(HttpHeaderNames.ETAG);
        final Answer again = gateway.get("/p/static/ui.js", "If-None-Match", etag);
        assertEquals(304, again.status);
        assertEquals("", again.text());
        assertEquals(etag, again.header(HttpHeaderNames.ETAG));

        assertEquals("text/css; charset=utf-8", gateway.get("/p/static/ui.css").header(HttpHeaderNames.CONTENT_TYPE));
        assertEquals(404, gateway.get("/p/static/missing.js").status);
        assertEquals(404, gateway.get("/static/ui.js").status, "outside the route prefix");
        assertEquals(405, gateway.exchange(GatewayHarness.whole(HttpMethod.POST, "/p/", "")).status);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "false | job=j,a=            | job@base64/ag/a@base64/=",
        "false | job=a/b,zone=\u00fc | job@base64/YS9i/zone@base64/w7w",
        "true  | job=j,a.b=1         | job@base64/ag/U__a_2e_b@base64/MQ",
        "true  | job=j,U__x=1        | job@base64/ag/U__U____x@base64/MQ",
        "true  | job=j,\u00e4_1=1    | job@base64/ag/U___e4___1@base64/MQ",
    })
    void shouldWriteAPathThatDecodesToTheSameKey(boolean utf8Names, String labels, String expected)
            throws Exception {
        final String[] pairs = labels.split("[,=]", -1);
        final GroupingKey key = GroupingKey.of(pairs);

        final String path = new UiJson(utf8Names, false).path(key);

        assertEquals(expected, path);
        assertEquals(key, GroupingKeyPathDecoder.decode(path.substring("job".length()), utf8Names));
    }

    private void push(String path, String body) {
        assertEquals(200, gateway.push(HttpMethod.PUT, path, body).status);
    }

    private static Map<?, ?> data(Answer answer) throws JsonParser.JsonException {
        assertEquals(200, answer.status, answer.toString());
        final Map<?, ?> body = (Map<?, ?>) JsonParser.parse(answer.bytes());
        assertEquals("success", body.get("status"));
        return (Map<?, ?>) body.get("data");
    }

    private static double number(Map<?, ?> map, String key) {
        return ((Number) map.get(key)).doubleValue();
    }

    private static List<Object> jobs(Map<?, ?> page) {
        return ((List<?>) page.get("groups")).stream()
                .map(g -> (Object) ((Map<?, ?>) ((Map<?, ?>) g).get("labels")).get("job")).toList();
    }
}
