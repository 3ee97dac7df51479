package io.cairn.bench.soak;

import io.cairn.core.proto.Metrics;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * A soak test of a real gateway process: many connections push valid and invalid bodies (text, gzip, protobuf,
 * malformed, inconsistent, oversized), delete groups and scrape (text, gzip, protobuf) for a given time, while the
 * gateway runs under Netty's paranoid leak detection. It then checks that the gateway logged no leak, that its heap
 * and direct memory stayed bounded, and that every group holds exactly what its last acknowledged request left.
 *
 * <pre>
 *   java -cp benchmarks/target/benchmarks.jar io.cairn.bench.soak.Soak \
 *       [--minutes 10] [--connections 32] [--groups-per-connection 50] [--jar gateway-server/target/cairn.jar]
 * </pre>
 * Exit status 0 when every check holds. Each connection owns its groups, so the expected end state is known
 * exactly: the value of the last acknowledged push, or no series after an acknowledged delete.
 */
public final class Soak {
    private static final Pattern VALUE = Pattern.compile(
            "^soak_value\\{instance=\"(c\\d+_g\\d+)\",job=\"soak\"} (\\d+)$", Pattern.MULTILINE);
    private static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\"} (\\S+)$",
            Pattern.MULTILINE);
    private static final Pattern DIRECT = Pattern.compile("^pushgateway_direct_memory_used_bytes (\\S+)$",
            Pattern.MULTILINE);
    private static final String PROTOBUF =
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Long> expected = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    private String base;

    private Soak() {
    }

    public static void main(String[] args) throws Exception {
        final Map<String, String> options = new HashMap<>(Map.of("--minutes", "10", "--connections", "32",
                "--groups-per-connection", "50", "--jar", "gateway-server/target/cairn.jar"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        System.exit(new Soak().run(Double.parseDouble(options.get("--minutes")),
                Integer.parseInt(options.get("--connections")), Integer.parseInt(options.get("--groups-per-connection")),
                Path.of(options.get("--jar"))));
    }

    private int run(double minutes, int connections, int groups, Path jar) throws Exception {
        final int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        base = "http://127.0.0.1:" + port;
        final Path log = Files.createTempFile("cairn-soak", ".log");
        final Process gateway = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:MaxDirectMemorySize=1g", "-Dio.netty.leakDetection.level=paranoid", "-jar",
                jar.toString(), "--web.listen-address=127.0.0.1:" + port, "--web.enable-admin-api",
                "--push.max-body-bytes=1048576").redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            awaitReady();
            final long endNs = System.nanoTime() + (long) (minutes * 60e9);
            final AtomicBoolean stop = new AtomicBoolean();
            final List<Thread> workers = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                final int connection = c;
                final Thread worker = new Thread(() -> work(connection, groups, stop), "soak-" + c);
                worker.start();
                workers.add(worker);
            }
            double maxHeap = 0;
            double maxDirect = 0;
            final List<String> samples = new ArrayList<>();
            while (System.nanoTime() < endNs && failures.isEmpty()) {
                Thread.sleep(10_000);
                final String metrics = get("/metrics");
                final double heap = first(HEAP, metrics);
                final double direct = first(DIRECT, metrics);
                maxHeap = Math.max(maxHeap, heap);
                maxDirect = Math.max(maxDirect, direct);
                samples.add(String.format(Locale.ROOT, "%.0f MiB heap, %.0f MiB direct", heap / (1 << 20),
                        direct / (1 << 20)));
            }
            stop.set(true);
            for (Thread worker : workers) {
                worker.join(60_000);
            }
            final int mismatches = verify();
            final long leaks = countLeaks(log);
            System.out.printf(Locale.ROOT, "soak: %.1f minutes, %d connections x %d groups%n", minutes, connections,
                    groups);
            counts.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                    System.out.printf(Locale.ROOT, "  %-28s %,d%n", e.getKey(), e.getValue().get()));
            System.out.printf(Locale.ROOT, "  memory samples (every 10 s): %s%n", samples);
            System.out.printf(Locale.ROOT, "  max heap used %.0f MiB, max direct %.0f MiB%n", maxHeap / (1 << 20),
                    maxDirect / (1 << 20));
            System.out.printf(Locale.ROOT, "  groups checked %d, mismatches %d, leak reports %d, failures %d%n",
                    expected.size(), mismatches, leaks, failures.size());
            for (Throwable failure : failures.subList(0, Math.min(5, failures.size()))) {
                System.out.println("  failure: " + failure);
            }
            System.out.println("  gateway log: " + log);
            return mismatches == 0 && leaks == 0 && failures.isEmpty() ? 0 : 1;
        } finally {
            gateway.destroy();
            gateway.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** One connection's loop: its own groups, one request at a time, the expected state kept per group. */
    private void work(int connection, int groups, AtomicBoolean stop) {
        final Random random = new Random(connection);
        long next = 1;
        while (!stop.get()) {
            final String instance = "c" + connection + "_g" + random.nextInt(groups);
            final String path = "/metrics/job/soak/instance/" + instance;
            final int kind = random.nextInt(100);
            try {
                if (kind < 35) {
                    final long value = next++;
                    if (send("PUT", path, text(value), null, null) == 200) {
                        expected.put(instance, value);
                        count("push text 200");
                    }
                } else if (kind < 45) {
                    final long value = next++;
                    if (send("PUT", path, gzip(text(value)), null, "gzip") == 200) {
                        expected.put(instance, value);
                        count("push gzip 200");
                    }
                } else if (kind < 55) {
                    final long value = next++;
                    if (send("POST", path, protobuf(value), PROTOBUF, null) == 200) {
                        expected.put(instance, value);
                        count("push protobuf 200");
                    }
                } else if (kind < 65) {
                    final int status = send("PUT", path, invalid(random), null, null);
                    count("push invalid " + status);
                } else if (kind < 68) {
                    final int status = send("PUT", path, new byte[2 << 20], null, null);
                    count("push oversized " + status);
                } else if (kind < 72) {
                    final byte[] garbage = new byte[random.nextInt(300)];
                    random.nextBytes(garbage);
                    final int status = send("PUT", path, garbage, PROTOBUF, null);
                    if (status == 200) {
                        expected.put(instance, -1L); // bytes that happen to decode (none at all, say): a PUT
                    }
                    count("push bad protobuf " + status);
                } else if (kind < 80) {
                    if (send("DELETE", path, new byte[0], null, null) == 202) {
                        expected.put(instance, -1L);
                        count("delete 202");
                    }
                } else {
                    final String accept = kind < 90 ? null : PROTOBUF;
                    final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/metrics"))
                            .timeout(Duration.ofSeconds(60));
                    if (accept != null) {
                        request.header("Accept", accept);
                    }
                    if (kind % 2 == 0) {
                        request.header("Accept-Encoding", "gzip");
                    }
                    final int status = http.send(request.build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                    count("scrape " + status);
                    if (status != 200) {
                        failures.add(new AssertionError("scrape answered " + status));
                    }
                }
            } catch (IOException e) {
                failures.add(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private int verify() throws IOException, InterruptedException {
        final String metrics = get("/metrics");
        final Map<String, Long> stored = new HashMap<>();
        final Matcher m = VALUE.matcher(metrics);
        while (m.find()) {
            stored.put(m.group(1), Long.parseLong(m.group(2)));
        }
        int mismatches = 0;
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            final Long want = e.getValue() < 0 ? null : e.getValue();
            if (!java.util.Objects.equals(want, stored.get(e.getKey()))) {
                if (mismatches++ < 5) {
                    System.out.println("  mismatch " + e.getKey() + ": expected " + want + ", stored "
                            + stored.get(e.getKey()));
                }
            }
        }
        return mismatches;
    }

    private static long countLeaks(Path log) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
            return reader.lines().filter(line -> line.contains("LEAK:")).count();
        }
    }

    private static byte[] text(long value) {
        return ("# HELP soak_value The last value.\n# TYPE soak_value gauge\nsoak_value " + value + "\n"
                + "# TYPE soak_info counter\nsoak_info{v=\"" + value + "\"} " + value + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] protobuf(long value) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        Metrics.MetricFamily.newBuilder().setName("soak_value").setHelp("The last value.")
                .setType(Metrics.MetricType.GAUGE)
                .addMetric(Metrics.Metric.newBuilder().setGauge(Metrics.Gauge.newBuilder().setValue(value)))
                .build().writeDelimitedTo(out);
        return out.toByteArray();
    }

    private static byte[] invalid(Random random) {
        // each is refused whatever the store holds: a parse error, a timestamp, the same series twice
        final String[] bodies = {"soak_value{", "soak_value 1 1234\n", "soak_value 1\nsoak_value 2\n",
            "soak_value NaNx\n", "# TYPE soak_value gauge\n# TYPE soak_value gauge\n", "soak_value{a=\"\\q\"} 1\n"};
        return bodies[random.nextInt(bodies.length)].getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gzip(byte[] body) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(body);
        }
        return out.toByteArray();
    }

    private int send(String method, String path, byte[] body, String contentType, String encoding)
            throws IOException, InterruptedException {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(60)).method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (encoding != null) {
            request.header("Content-Encoding", encoding);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private void awaitReady() throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the gateway did not get ready");
    }

    private void count(String what) {
        counts.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }

    private static double first(Pattern pattern, String text) {
        final Matcher m = pattern.matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
