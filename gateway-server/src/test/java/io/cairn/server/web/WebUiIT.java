package io.cairn.server.web;

import io.cairn.core.testing.LeakRecorder;
import io.cairn.server.Flags;
import io.cairn.server.auth.WebSecurity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The web UI in a headless Chromium against a real gateway under a route prefix: the page lists the pushed groups,
 * pages, filters, expands a group into its samples, deletes a group after confirmation, shows the status, and
 * shows hostile label values as text. Skipped where Debian's {@code chromium} and {@code chromium-driver} are not
 * installed ({@code .ci/run} installs them).
 */
class WebUiIT {
    private static final String PREFIX = "/gw";
    private static ChromeSession browser;
    private TestGateway gateway;

    @BeforeAll
    static void startBrowser() throws Exception {
        assumeTrue(ChromeSession.available(), "the web UI tests need " + ChromeSession.CHROMIUM + " and "
                + ChromeSession.CHROMEDRIVER + " (Debian: apt-get install chromium chromium-driver); skipped");
        browser = new ChromeSession(1280, 900);
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (browser != null) {
            browser.close();
        }
        LeakRecorder.assertNoLeaks();
    }

    @BeforeEach
    void startGateway() throws Exception {
        gateway = new TestGateway(PREFIX);
        gateway.put("/metrics/job/alpha/instance/a1", "# HELP jobs_done Jobs done.\n# TYPE jobs_done counter\n"
                + "jobs_done{queue=\"fast\"} 17\njobs_done{queue=\"slow\"} 3\n");
        gateway.put("/metrics/job/beta/instance/b1", "# TYPE temperature gauge\ntemperature 21.5\n");
        gateway.put("/metrics/job/beta/instance/b2", "# TYPE temperature gauge\ntemperature 19\n"
                + "# TYPE only_in_b2 gauge\nonly_in_b2 1\n");
        // a push of a known family with another type fails: the group records the failure
        final int status = gateway.send("PUT", "/metrics/job/beta/instance/b2", "# TYPE jobs_done gauge\njobs_done 1\n")
                .statusCode();
        assertEquals(400, status);
    }

    @AfterEach
    void stopGateway() {
        gateway.close();
    }

    @Test
    void shouldListPushedGroupsWithTheirLabelsAndFailures() throws Exception {
        openMetrics();

        final List<?> rows = browser.findAll("#groups tr.group");
        assertEquals(3, rows.size());
        final String first = browser.text(rows.get(0));
        assertTrue(first.contains("job=\"alpha\"") && first.contains("instance=\"a1\""), first);
        assertTrue(first.contains("never"), "no failure yet: " + first);
        final String failed = browser.text(rows.get(2));
        assertTrue(failed.contains("instance=\"b2\"") && failed.contains("Last push failed"), failed);
        assertEquals("Groups 1\u20133 of 3", browser.text(browser.find("#range")));
    }

    @Test
    void shouldFilterByLabelAndMetricName() throws Exception {
        openMetrics();

        filter("job=beta");
        assertEquals(List.of("b1", "b2"), instances());
        filter("ONLY_in_b2");
        assertEquals(List.of("b2"), instances());
        filter("beta a1");
        assertEquals(List.of(), instances());
        assertEquals("No group matches the filter.", browser.text(browser.find("#no-groups")));
    }

    @Test
    void shouldDeleteGroupAfterConfirmationAndDropItFromTheScrape() throws Exception {
        openMetrics();
        final String b1 = "#groups tr.group:nth-child(2) button.delete";
        assertTrue(browser.text(browser.find("#groups tr.group:nth-child(2)")).contains("instance=\"b1\""));

        browser.click(browser.find(b1));
        browser.waitUntil("return document.getElementById('confirm-delete').open", "the confirmation dialog");
        browser.click(browser.find("#confirm-cancel"));
        assertEquals(3, browser.findAll("#groups tr.group").size());

        browser.click(browser.find(b1));
        browser.waitUntil("return document.getElementById('confirm-delete').open", "the confirmation dialog");
        assertTrue(browser.text(browser.find("#confirm-labels")).contains("instance=\"b1\""));
        browser.click(browser.find("#confirm-ok"));
        browser.waitUntil("return document.querySelectorAll('#groups tr.group').length === 2", "the group to go");

        assertEquals(List.of("a1", "b2"), instances());
        final String scrape = gateway.send("GET", "/metrics", null).body();
        assertFalse(scrape.contains("instance=\"b1\""), scrape);
        assertTrue(scrape.contains("instance=\"b2\""), scrape);
    }

    @Test
    void shouldDeleteEveryGroupWithTheAdminApiOnly() throws Exception {
        openMetrics();
        assertEquals(Boolean.TRUE, browser.script("return document.getElementById('wipe').hidden"));
        gateway.close();
        gateway = new TestGateway(PREFIX, WebSecurity.NONE, true);
        gateway.put("/metrics/job/one", "a 1\n");
        gateway.put("/metrics/job/two", "a 2\n");
        openMetrics();

        final Object wipe = browser.find("#wipe");
        assertEquals("Delete all 2 groups", browser.text(wipe));
        browser.click(wipe);
        browser.waitUntil("return document.getElementById('confirm-delete').open", "the confirmation dialog");
        assertEquals("Delete all groups?", browser.text(browser.find("#confirm-title")));
        browser.click(browser.find("#confirm-ok"));
        browser.waitUntil("return document.getElementById('range').textContent === '0 groups'", "an empty store");

        assertFalse(gateway.send("GET", "/metrics", null).body().contains("job=\""), "no pushed series left");
        assertEquals("No groups have been pushed yet.", browser.text(browser.find("#no-groups")));
    }

    @Test
    void shouldExpandGroupIntoItsFamiliesAndSamples() throws Exception {
        openMetrics();

        browser.click(browser.find("#groups tr.group:nth-child(1) button.toggle"));
        browser.waitUntil("return document.querySelectorAll('#groups tr.detail .family').length === 3",
                "the families of the group");

        final String detail = browser.text(browser.find("#groups tr.detail"));
        assertTrue(detail.contains("jobs_done") && detail.contains("counter") && detail.contains("Jobs done."),
                detail);
        assertTrue(detail.contains("queue=\"fast\"") && detail.contains("17"), detail);
        assertTrue(detail.contains("push_time_seconds"), detail);
    }

    @Test
    void shouldPageThroughGroups() throws Exception {
        for (int i = 0; i < 60; i++) {
            gateway.put("/metrics/job/many/instance/m" + (100 + i), "up_value " + i + "\n");
        }
        openMetrics();
        assertEquals(50, browser.findAll("#groups tr.group").size());
        assertEquals("Groups 1\u201350 of 63", browser.text(browser.find("#range")));

        browser.click(browser.find("#next"));
        browser.waitUntil("return document.getElementById('range').textContent.startsWith('Groups 51')",
                "the second page");
        assertEquals(13, browser.findAll("#groups tr.group").size());
        assertEquals(Boolean.TRUE, browser.script("return document.getElementById('next').disabled"));
    }

    @Test
    void shouldShowHostileLabelValuesAsText() throws Exception {
        final String img = "<img src=x onerror=\"window.owned=1\">";
        final String script = "\"><script>window.owned=2</script>";
        gateway.put("/metrics/job/evil/a@base64/" + base64(img) + "/b@base64/" + base64(script),
                "# HELP x " + img + "\nx{c=\"" + script.replace("\"", "\\\"") + "\"} 1\n");
        openMetrics();
        filter("evil");

        final String row = browser.text(browser.find("#groups tr.group"));
        assertTrue(row.contains(img.replace("\"", "\\\"")), row);
        browser.click(browser.find("#groups tr.group button.toggle"));
        browser.waitUntil("return document.querySelectorAll('#groups tr.detail .family').length === 3", "details");
        assertTrue(browser.text(browser.find("#groups tr.detail")).contains(img), "help text shown as text");
        assertEquals(0, ((Number) browser.script("return document.querySelectorAll('#groups img, #groups script')"
                + ".length")).intValue());
        assertEquals(Boolean.TRUE, browser.script("return window.owned === undefined"));
    }

    @Test
    void shouldShowStatusWithBuildInformationAndFlags() throws Exception {
        browser.open(gateway.base + "/status");
        browser.waitUntil("return document.querySelectorAll('#flags tr').length > 0"
                + " && document.getElementById('store-summary').textContent !== ''", "the flags and the summary");

        final String flags = browser.text(browser.find("#flags"));
        assertTrue(flags.contains("web.route-prefix") && flags.contains("/gw"), flags);
        assertTrue(browser.text(browser.find("#build")).contains(Flags.buildInformation().get("version")));
        assertTrue(browser.text(browser.find("#runtime")).contains("Start time"));
        assertTrue(browser.text(browser.find("#store-summary")).contains("3 groups"));
    }

    private void openMetrics() throws Exception {
        browser.open(gateway.base + "/");
        browser.waitUntil("return document.getElementById('range').textContent !== ''", "the groups");
    }

    /** Types a filter and waits until the page shows its answer. */
    private void filter(String text) throws Exception {
        final Object box = browser.find("#filter");
        browser.clear(box);
        browser.type(box, text);
        browser.waitUntil("return document.getElementById('groups').dataset.filter === "
                + "document.getElementById('filter').value", "the filtered groups");
    }

    private List<String> instances() throws Exception {
        @SuppressWarnings("unchecked")
        final List<String> found = (List<String>) browser.script("return Array.from(document.querySelectorAll("
                + "'#groups tr.group .label.instance .value')).map(e => JSON.parse(e.textContent))");
        return found;
    }

    private static String base64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
