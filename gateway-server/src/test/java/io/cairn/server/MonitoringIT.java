package io.cairn.server;

import io.cairn.core.journal.JournalFiles;
import io.cairn.core.journal.SyncPolicy;
import io.cairn.core.store.StoreJournal;
import io.cairn.core.testing.LeakRecorder;
import io.cairn.server.http.Limits;
import io.cairn.server.http.Routes;
import io.cairn.server.http.Switches;
import io.cairn.server.log.Log;
import io.cairn.server.migrate.JsonParser;
import io.cairn.server.selfmetrics.SelfMetrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The files of {@code docs/monitoring}: the alerting rules pass {@code promtool check rules} and their unit tests
 * ({@code promtool test rules}); the Grafana dashboard is strict JSON with the structure Grafana needs and PromQL
 * that parses; and every metric of Cairn's that either of them names is in a real scrape of a running gateway, so
 * that neither can drift from the code. The promtool checks are skipped when promtool (Debian package
 * {@code prometheus}) is not installed.
 */
class MonitoringIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** A name of Cairn's own families or of the push timestamps, not preceded by a recording rule's prefix. */
    private static final Pattern OWN_NAME = Pattern.compile("(?<![\\w:])((?:pushgateway|push|jvm|process)_\\w+)");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?(\\w+)\\}?");
    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((.*),\\s*\\w+\\)$");

    @TempDir
    Path tmp;

    @AfterAll
    static void noLeaks() {
        LeakRecorder.assertNoLeaks();
    }

    @Test
    void shouldPassPromtoolCheckAndUnitTestsOfTheAlertingRules() throws Exception {
        final String promtool = promtool();
        final Path dir = monitoringDir();
        run(dir, promtool, "check", "rules", "cairn-alerts.yml");
        run(dir, promtool, "test", "rules", "cairn-alerts.test.yml");
    }

    @Test
    void shouldBeAGrafanaDashboardWithValidPromQL() throws Exception {
        final Map<?, ?> dashboard = dashboard();
        assertFalse(string(dashboard, "title").isEmpty());
        final String uid = string(dashboard, "uid");
        assertTrue(uid.matches("[A-Za-z0-9_-]{1,40}"), uid);
        assertInstanceOf(Number.class, dashboard.get("schemaVersion"));

        final List<String> exprs = new ArrayList<>();
        final Set<Object> ids = new HashSet<>();
        final List<?> panels = list(dashboard, "panels");
        assertFalse(panels.isEmpty());
        for (Object p : panels) {
            final Map<?, ?> panel = (Map<?, ?>) p;
            final String title = string(panel, "title");
            assertTrue(ids.add(panel.get("id")), "panel ids are unique: " + title);
            assertInstanceOf(Number.class, panel.get("id"), title);
            string(panel, "type");
            final Map<?, ?> grid = (Map<?, ?>) panel.get("gridPos");
            assertNotNull(grid, title);
            for (String k : List.of("h", "w", "x", "y")) {
                assertInstanceOf(Number.class, grid.get(k), title + " gridPos." + k);
            }
            assertTrue(((Number) grid.get("x")).intValue() + ((Number) grid.get("w")).intValue() <= 24, title);
            if (panel.get("type").equals("row")) {
                continue;
            }
            assertEquals("${datasource}", string((Map<?, ?>) panel.get("datasource"), "uid"), title);
            final List<?> targets = list(panel, "targets");
            assertFalse(targets.isEmpty(), title);
            final Set<String> refIds = new HashSet<>();
            for (Object t : targets) {
                final Map<?, ?> target = (Map<?, ?>) t;
                assertTrue(refIds.add(string(target, "refId")), title);
                final String expr = string(target, "expr");
                assertFalse(expr.isBlank(), title);
                exprs.add(expr);
            }
        }

        final Set<String> variables = new HashSet<>();
        for (Object v : list((Map<?, ?>) dashboard.get("templating"), "list")) {
            final Map<?, ?> variable = (Map<?, ?>) v;
            variables.add(string(variable, "name") + ":" + string(variable, "type"));
            if (variable.get("type").equals("query")) {
                final Matcher m = LABEL_VALUES.matcher(string((Map<?, ?>) variable.get("query"), "query"));
                assertTrue(m.matches(), variable.toString());
                exprs.add(m.group(1));
            }
        }
        assertTrue(variables.containsAll(List.of("datasource:datasource", "job:query", "instance:query")),
                variables.toString());

        // each expression as a recording rule: promtool parses them all
        final StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < exprs.size(); i++) {
            rules.append("      - record: dashboard:expr_").append(i).append("\n        expr: ")
                    .append(yamlQuoted(substituteVariables(exprs.get(i)))).append('\n');
        }
        final Path file = tmp.resolve("dashboard-rules.yml");
        Files.writeString(file, rules);
        final String output = run(tmp, promtool(), "check", "rules", file.toString());
        assertTrue(output.contains("SUCCESS: " + exprs.size() + " rules found"), output);
    }

    @Test
    void shouldNameOnlyMetricsThatARealScrapeHas() throws Exception {
        final Path dir = monitoringDir();
        final Set<String> named = new TreeSet<>();
        for (String file : List.of("cairn-dashboard.json", "cairn-alerts.yml")) {
            final Matcher m = OWN_NAME.matcher(Files.readString(dir.resolve(file)));
            while (m.find()) {
                named.add(m.group(1));
            }
        }
        assertTrue(named.size() >= 15, "the names are found: " + named);

        final Set<String> scraped = scrapeNames();
        final Set<String> missing = new TreeSet<>(named);
        missing.removeAll(scraped);
        assertEquals(Set.of(), missing, "named in docs/monitoring but not in a scrape of Cairn: " + scraped);
    }

    // ------------------------------------------------------------------ a real gateway

    /** Family and sample names of a scrape of a durable gateway that saw pushes, a failed push and a refusal. */
    private Set<String> scrapeNames() throws Exception {
        final Log log = Log.create(Log.Level.INFO, Log.Format.LOGFMT,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), Clock.systemUTC());
        final CairnServer server = new CairnServer(log, new Routes("", "/metrics"),
                new Switches(false, false, true, false, false), Limits.defaults(),
                Map.of("web.listen-address", "127.0.0.1:0"), Map.of("version", "0.1.0-test"),
                new SelfMetrics("0.1.0-test", "test-revision", "test-branch"));
        try {
            server.start(List.of(new InetSocketAddress("127.0.0.1", 0)), new StoreJournal(
                    new JournalFiles(tmp.resolve("state")), SyncPolicy.FSYNC, TimeUnit.HOURS.toNanos(1), silent()));
            final String base = "http://127.0.0.1:" + server.boundAddresses().get(0).getPort();
            final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(TIMEOUT).build();
            assertEquals(200, send(client, "PUT", base + "/metrics/job/batch/instance/i1",
                    "# TYPE done gauge\ndone 1\n").statusCode());
            assertEquals(400, send(client, "PUT", base + "/metrics/job/batch/instance/i1",
                    "# TYPE done counter\ndone{\n").statusCode());
            // a name beyond --push.max-metric-name-length: refused by a limit
            assertEquals(413, send(client, "PUT", base + "/metrics/job/batch", "a".repeat(1025) + " 1\n")
                    .statusCode());
            final HttpResponse<String> scrape = send(client, "GET", base + "/metrics", null);
            assertEquals(200, scrape.statusCode());
            final Set<String> names = new TreeSet<>();
            for (String line : scrape.body().split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    names.add(line.split(" ")[2]);
                } else if (!line.isEmpty() && !line.startsWith("#")) {
                    names.add(line.split("[{ ]", 2)[0]);
                }
            }
            return names;
        } finally {
            server.stop();
        }
    }

    private static HttpResponse<String> send(HttpClient client, String method, String url, String body)
            throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static StoreJournal.Events silent() {
        return new StoreJournal.Events() {
            @Override
            public void loadProgress(long groups, long totalGroups, long commands, long bytes, long elapsedNs) {
            }

            @Override
            public void loaded(long groups, long commands, long bytes, long elapsedNs) {
            }

            @Override
            public void tornTail(String file, long offset, long bytes) {
            }

            @Override
            public void snapshotWritten(String file, long groups, long sequence, long elapsedNs) {
            }

            @Override
            public void failed(String what, Exception e) {
                throw new AssertionError(what, e);
            }
        };
    }

    // ------------------------------------------------------------------ files and promtool

    static Path monitoringDir() {
        final Path module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        for (Path p = module; p != null; p = p.getParent()) {
            final Path dir = p.resolve("docs").resolve("monitoring");
            if (Files.isDirectory(dir)) {
                return dir;
            }
        }
        throw new AssertionError("no docs/monitoring above " + module);
    }

    private static Map<?, ?> dashboard() throws Exception {
        final Object json = JsonParser.parse(Files.readAllBytes(monitoringDir().resolve("cairn-dashboard.json")));
        return assertInstanceOf(Map.class, json);
    }

    /** promtool from the PATH or /usr/bin; skips the test when there is none. */
    private static String promtool() {
        final List<String> candidates = new ArrayList<>();
        final String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                candidates.add(Path.of(dir, "promtool").toString());
            }
        }
        candidates.add("/usr/bin/promtool");
        for (String candidate : candidates) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        Assumptions.assumeTrue(false, "promtool not found on the PATH or in /usr/bin: install Debian's package"
                + " 'prometheus' (.ci/run does as root) to check docs/monitoring with it");
        return null;
    }

    /** Runs a command in {@code dir}; fails with its output unless it exits 0. */
    private static String run(Path dir, String... command) throws Exception {
        final Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        final byte[] out = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " timed out");
        final String output = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), String.join(" ", command) + "\n" + output);
        return output;
    }

    /** Grafana's variables replaced by values that keep the expression valid PromQL. */
    private static String substituteVariables(String expr) {
        final Matcher m = VARIABLE.matcher(expr);
        final StringBuilder sb = new StringBuilder();
        while (m.find()) {
            final String name = m.group(1);
            m.appendReplacement(sb, name.equals("__rate_interval") || name.equals("__interval")
                    || name.equals("__range") ? "5m" : "x");
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String yamlQuoted(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }

    private static String string(Map<?, ?> map, String key) {
        assertNotNull(map, key);
        return assertInstanceOf(String.class, map.get(key), key + " in " + map.keySet());
    }

    private static List<?> list(Map<?, ?> map, String key) {
        assertNotNull(map, key);
        return assertInstanceOf(List.class, map.get(key), key + " in " + map.keySet());
    }
}
