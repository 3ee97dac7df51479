package io.cairn.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Durability against a real gateway process ({@code target/cairn.jar}): pushes acknowledged before a {@code kill -9}
 * are all there after the restart, with their exact content; a torn last record is cut off; a damaged journal stops
 * the start and is left as it is.
 */
class PersistenceIT {
    private static final int KILLS = 20;
    private static final int PUSHERS = 4;
    private static final int GROUPS_PER_PUSHER = 25;
    private static final Pattern VALUE = Pattern.compile(
            "^crash_value\\{instance=\"(t\\d+_\\d+)\",job=\"crash\"} (\\d+)$", Pattern.MULTILINE);
    private static final Pattern INFO = Pattern.compile(
            "^crash_info\\{instance=\"(t\\d+_\\d+)\",job=\"crash\",v=\"(\\d+)\"} (\\d+)$", Pattern.MULTILINE);

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private int port;

    @AfterEach
    void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldKeepEveryAcknowledgedPushAcrossKills() throws Exception {
        final Map<String, Long> acked = new ConcurrentHashMap<>();
        final Map<String, Long> attempted = new ConcurrentHashMap<>();
        final Random random = new Random(42);
        long totalAcked = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            start("--persistence.interval=1s");
            verify(acked, attempted, "after kill " + kill);
            final AtomicBoolean stop = new AtomicBoolean();
            final List<Thread> pushers = new ArrayList<>();
            final long[] counts = new long[PUSHERS];
            for (int t = 0; t < PUSHERS; t++) {
                final int pusher = t;
                final Thread thread = new Thread(() -> counts[pusher] = push(pusher, stop, acked, attempted));
                thread.start();
                pushers.add(thread);
            }
            Thread.sleep(300 + random.nextInt(900));
            process.destroyForcibly(); // SIGKILL, while the pushers are at work
            process.waitFor(10, TimeUnit.SECONDS);
            stop.set(true);
            for (Thread thread : pushers) {
                thread.join(10_000);
            }
            for (long count : counts) {
                totalAcked += count;
            }
        }
        start("--persistence.interval=1s");
        verify(acked, attempted, "at the end");
        assertTrue(totalAcked > KILLS * 10, "pushes were acknowledged between the kills: " + totalAcked);
    }

    @Test
    void shouldCutATornLastRecordAndKeepWhatWasAcknowledged() throws Exception {
        start();
        assertEquals(200, put("t0_0", 7));
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        final Path segment = lastSegment();
        final long good = Files.size(segment);
        // the start of a record whose payload never made it to the file
        Files.write(segment, new byte[] {(byte) 200, 1, 0, 0, 9, 9, 9, 9, 1, 2}, StandardOpenOption.APPEND);

        start();
        final String metrics = get("/metrics");
        assertTrue(metrics.contains("crash_value{instance=\"t0_0\",job=\"crash\"} 7\n"), metrics);
        assertEquals(good, Files.size(segment), "the torn tail was cut off");
        assertTrue(log().contains("the journal ends in an incomplete record"), log());
    }

    @Test
    void shouldRefuseToStartFromADamagedJournalAndLeaveIt() throws Exception {
        start();
        assertEquals(200, put("t0_0", 1));
        assertEquals(200, put("t0_1", 2));
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        final Path segment = lastSegment();
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.seek(16 + 8 + 30); // inside the first record, which is not the last
            final int b = file.read();
            file.seek(16 + 8 + 30);
            file.write(b ^ 0xff);
        }
        final byte[] damaged = Files.readAllBytes(segment);

        process = launch();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the gateway stops instead of starting");
        assertEquals(1, process.exitValue());
        final String log = log();
        assertTrue(log.contains("cannot load the persisted metrics; not starting"), log);
        assertTrue(log.contains(segment + " is damaged at byte offset 16"), log);
        assertArrayEquals(damaged, Files.readAllBytes(segment), "the damaged segment is left as it is");
        process = null;
    }

    // ------------------------------------------------------------------ pushing and checking

    /** Pushes to the pusher's own groups until stopped; returns how many were acknowledged. */
    private long push(int pusher, AtomicBoolean stop, Map<String, Long> acked, Map<String, Long> attempted) {
        final Random random = new Random(pusher * 31L + System.nanoTime());
        long count = 0;
        while (!stop.get()) {
            final String instance = "t" + pusher + "_" + random.nextInt(GROUPS_PER_PUSHER);
            final long value = attempted.merge(instance, 1L, Long::sum);
            try {
                if (put(instance, value) == 200) {
                    acked.merge(instance, value, Math::max);
                    count++;
                }
            } catch (IOException e) {
                // the gateway was killed under this request: it may or may not have been applied
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return count;
            }
        }
        return count;
    }

    /**
     * Every group holds the last acknowledged push or a later attempted one, whole: both families of one push,
     * never a mix of two pushes.
     */
    private void verify(Map<String, Long> acked, Map<String, Long> attempted, String when) throws Exception {
        final String metrics = get("/metrics");
        final Map<String, Long> values = new HashMap<>();
        final Matcher v = VALUE.matcher(metrics);
        while (v.find()) {
            values.put(v.group(1), Long.parseLong(v.group(2)));
        }
        final Map<String, Long> infos = new HashMap<>();
        final Matcher i = INFO.matcher(metrics);
        while (i.find()) {
            assertEquals(i.group(2), i.group(3), when + ": the info family carries the same value");
            infos.put(i.group(1), Long.parseLong(i.group(2)));
        }
        assertEquals(values, infos, when + ": every group holds both families of one push");
        for (Map.Entry<String, Long> e : acked.entrySet()) {
            final Long stored = values.get(e.getKey());
            if (stored == null || stored < e.getValue()) {
                fail(when + ": group " + e.getKey() + " lost its acknowledged push " + e.getValue() + " (has "
                        + stored + ")");
            }
            assertTrue(stored <= attempted.get(e.getKey()), when + ": a value never pushed");
        }
    }

    private int put(String instance, long value) throws IOException, InterruptedException {
        final String body = "# TYPE crash_value gauge\ncrash_value " + value + "\n"
                + "# TYPE crash_info gauge\ncrash_info{v=\"" + value + "\"} " + value + "\n";
        final HttpRequest request = HttpRequest.newBuilder(uri("/metrics/job/crash/instance/" + instance))
                .timeout(Duration.ofSeconds(10)).PUT(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String get(String path) throws IOException, InterruptedException {
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), path + " answered " + response.body());
        return response.body();
    }

    // ------------------------------------------------------------------ the process

    private void start(String... extra) throws Exception {
        process = launch(extra);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertTrue(process.isAlive(), "the gateway exited: " + log());
            try {
                final HttpResponse<String> ready = http.send(HttpRequest.newBuilder(uri("/-/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        fail("the gateway was not ready within 60 s: " + log());
    }

    private Process launch(String... extra) throws IOException {
        if (port == 0) {
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
        }
        final Path jar = Path.of("target", "cairn.jar").toAbsolutePath();
        assertTrue(Files.exists(jar), "built by the package phase: " + jar);
        final List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dio.netty.leakDetection.level=disabled", "-jar", jar.toString(),
                "--web.listen-address=127.0.0.1:" + port, "--persistence.file=" + dir.resolve("state")));
        command.addAll(List.of(extra));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("gateway.log").toFile())).start();
    }

    private String log() throws IOException {
        final Path log = dir.resolve("gateway.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    private Path lastSegment() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            final List<Path> segments = files.filter(p -> p.getFileName().toString().startsWith("state.journal."))
                    .sorted().collect(Collectors.toList());
            assertFalse(segments.isEmpty(), "a journal segment exists");
            return segments.get(segments.size() - 1);
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
