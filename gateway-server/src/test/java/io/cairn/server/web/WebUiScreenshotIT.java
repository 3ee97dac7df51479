package io.cairn.server.web;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Takes the screenshots of the web UI in {@code docs/images} ({@code web-ui.png}, {@code web-ui-group.png},
 * {@code web-ui-status.png}): a
 * gateway with 300 groups of ten jobs, some of whose last push failed, in the same headless Chromium as {@link
 * WebUiIT}. Runs only when asked, so a build never writes into the sources:
 *
 * <pre>
 * mvn -o verify -pl gateway-server -am -Dfuzz.skip=true -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=WebUiScreenshotIT -Dcairn.screenshots="$PWD/docs/images"
 * </pre>
 */
class WebUiScreenshotIT {
    private static final String[] JOBS = {"backup", "batch-etl", "billing-export", "cache-warmer", "cron-cleanup",
        "db-migrate", "image-resize", "log-rotate", "nightly-report", "search-reindex"};
    private static final String[] REGIONS = {"eu-west-1", "us-east-1", "ap-south-1"};

    @Test
    void shouldWriteScreenshots() throws Exception {
        final String dir = System.getProperty("cairn.screenshots");
        assumeTrue(dir != null && !dir.isEmpty(), "screenshots only with -Dcairn.screenshots=<directory>");
        assumeTrue(ChromeSession.available(), "screenshots need " + ChromeSession.CHROMIUM + " and "
                + ChromeSession.CHROMEDRIVER);
        final Path out = Files.createDirectories(Path.of(dir));
        try (TestGateway gateway = new TestGateway("");
             ChromeSession browser = new ChromeSession(1440, 1000)) {
            push(gateway);

            browser.open(gateway.base + "/");
            browser.waitUntil("return document.getElementById('range').textContent !== ''", "the groups");
            Files.write(out.resolve("web-ui.png"), browser.screenshot());

            browser.open(gateway.base + "/#filter=job%3Dbatch-etl");
            browser.waitUntil("return document.getElementById('groups').dataset.filter === 'job=batch-etl'",
                    "the filtered groups");
            browser.click(browser.find("#groups tr.group:nth-child(2) button.toggle"));
            browser.waitUntil("return document.querySelectorAll('#groups tr.detail .family').length > 0",
                    "the families");
            Files.write(out.resolve("web-ui-group.png"), browser.screenshot());

            browser.open(gateway.base + "/status");
            browser.waitUntil("return document.querySelectorAll('#flags tr').length > 0", "the flags");
            Files.write(out.resolve("web-ui-status.png"), browser.screenshot());
        }
    }

    /** 300 groups: 30 per job on their instances, some with a region, every seventh with a failed last push. */
    private static void push(TestGateway gateway) throws Exception {
        int n = 0;
        for (int j = 0; j < JOBS.length; j++) {
            final String job = JOBS[j];
            for (int i = 1; i <= 30; i++, n++) {
                final String instance = String.format("node-%02d", i);
                final String path = "/metrics/job/" + job + "/instance/" + instance
                        + (i % 3 == 0 ? "/region/" + REGIONS[(i / 3) % REGIONS.length] : "");
                gateway.put(path, body(j, i));
                if (n % 7 == 3) {
                    // a family pushed with another type than the rest of the store has: refused, and recorded
                    gateway.send("PUT", path, "# TYPE records_processed_total gauge\nrecords_processed_total 1\n");
                }
            }
        }
    }

    private static String body(int job, int instance) {
        final double duration = 3.5 + (job * 31 + instance * 17) % 240 + instance / 10.0;
        final StringBuilder sb = new StringBuilder()
                .append("# HELP job_duration_seconds How long the last run took.\n")
                .append("# TYPE job_duration_seconds gauge\n")
                .append("job_duration_seconds ").append(duration).append('\n')
                .append("# HELP job_last_success_timestamp_seconds When the last run succeeded.\n")
                .append("# TYPE job_last_success_timestamp_seconds gauge\n")
                .append("job_last_success_timestamp_seconds ").append(1_764_000_000 + job * 3600 + instance * 60)
                .append('\n')
                .append("# HELP records_processed_total Records processed by the run.\n")
                .append("# TYPE records_processed_total counter\n");
        for (String stage : new String[] {"extract", "transform", "load"}) {
            sb.append("records_processed_total{stage=\"").append(stage).append("\"} ")
                    .append((job + 1) * 1000 + instance * 37 + stage.length()).append('\n');
        }
        if (job % 2 == 0) {
            sb.append("# HELP batch_size_bytes Size of the batches written.\n")
                    .append("# TYPE batch_size_bytes histogram\n")
                    .append("batch_size_bytes_bucket{le=\"1024\"} ").append(instance).append('\n')
                    .append("batch_size_bytes_bucket{le=\"65536\"} ").append(instance * 3).append('\n')
                    .append("batch_size_bytes_bucket{le=\"+Inf\"} ").append(instance * 4).append('\n')
                    .append("batch_size_bytes_sum ").append(instance * 40_000).append('\n')
                    .append("batch_size_bytes_count ").append(instance * 4).append('\n');
        }
        return sb.toString();
    }
}
