package io.cairn.server;

import io.cairn.server.http.Limits;
import io.cairn.server.http.Routes;
import io.cairn.server.http.Switches;
import io.cairn.server.log.Log;
import io.cairn.server.selfmetrics.SelfMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every limit over real sockets, at its bound (accepted) and one past it (refused with the status and message that
 * name it), counted in {@code pushgateway_limit_rejections_total}.
 */
class LimitsIT {
    private static final long SECOND_NS = TimeUnit.SECONDS.toNanos(1);

    private CairnServer server;
    private int port;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private void start(Limits limits) throws InterruptedException {
        final Log log = Log.create(Log.Level.ERROR, Log.Format.LOGFMT,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), Clock.systemUTC());
        server = new CairnServer(log, new Routes("", "/metrics"), new Switches(false, true, true, false, false),
                limits, Map.of(), Map.of("version", "0.1.0-test"), new SelfMetrics("0.1.0-test", "r", "b"));
        server.start(List.of(new InetSocketAddress("127.0.0.1", 0)));
        port = server.boundAddresses().get(0).getPort();
    }

    private static Limits limits(long maxBodyBytes, long maxSeriesPerPush, long maxLabels, long maxMetricNameBytes,
                                 long maxLabelNameBytes, long maxLabelValueBytes, long maxGroups, long maxSeries) {
        final Limits d = Limits.defaults();
        return new Limits(maxBodyBytes, maxSeriesPerPush, maxLabels, maxMetricNameBytes, maxLabelNameBytes,
                maxLabelValueBytes, maxGroups, maxSeries, d.maxHeaderBytes(), d.readTimeoutNs(), d.idleTimeoutNs(),
                d.maxConnections());
    }

    @Test
    void shouldBoundPushesAtTheirLimits() throws Exception {
        start(limits(200, 3, 4, 10, 4, 5, 0, 0));
        // body bytes: exactly 200 bytes accepted, 201 refused
        final String at = pad("a 1\n", 200);
        assertEquals(200, at.getBytes(StandardCharsets.UTF_8).length);
        assertEquals(200, push("/metrics/job/j", at).status);
        final Answer over = push("/metrics/job/j", pad("a 1\n", 201));
        assertEquals(413, over.status);
        assertEquals("push body exceeds the limit of 200 bytes (--push.max-body-bytes)\n", over.body);

        assertEquals(200, push("/metrics/job/j", "a 1\nb 2\nc 3\n").status);
        assertRefused(push("/metrics/job/j", "a 1\nb 2\nc 3\nd 4\n"),
                "the push has more than 3 series (--push.max-series)");

        // labels: job, instance, x, y = 4 (instance="" is added)
        assertEquals(200, push("/metrics/job/j", "a{x=\"1\",y=\"2\"} 1\n").status);
        assertRefused(push("/metrics/job/j", "a{x=\"1\",y=\"2\",z=\"3\"} 1\n"),
                "a series of a has 5 labels, more than 4 (--push.max-labels)");

        assertEquals(200, push("/metrics/job/j", "abcdefghij 1\n").status);
        assertRefused(push("/metrics/job/j", "abcdefghijk 1\n"),
                "metric name \"abcdefghijk\" is longer than 10 bytes (--push.max-metric-name-length)");
        assertEquals(200, push("/metrics/job/j", "a{abcd=\"12345\"} 1\n").status);
        assertRefused(push("/metrics/job/j", "a{abcde=\"1\"} 1\n"),
                "label name \"abcde\" of a is longer than 4 bytes (--push.max-label-name-length)");
        assertRefused(push("/metrics/job/j", "a{x=\"123456\"} 1\n"),
                "the value of label \"x\" of a is longer than 5 bytes (--push.max-label-value-length)");

        final String metrics = get("/metrics").body;
        for (String flag : List.of("push.max-body-bytes", "push.max-series", "push.max-labels",
                "push.max-metric-name-length", "push.max-label-name-length", "push.max-label-value-length")) {
            assertTrue(metrics.contains("pushgateway_limit_rejections_total{limit=\"" + flag + "\"} 1\n"), flag);
        }
        assertTrue(metrics.contains("a{abcd=\"12345\",instance=\"\",job=\"j\"} 1\n"), "the last accepted push stays");
    }

    @Test
    void shouldAnswerACompressionBomb413WithoutInflatingIt() throws Exception {
        start(limits(1 << 20, 0, 0, 0, 0, 0, 0, 0));
        // 512 MiB of one repeated line, about 0.5 MiB compressed
        final ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed, 1 << 16)) {
            final byte[] block = "a 1\n".repeat(16_384).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < (512 << 20) / block.length; i++) {
                gzip.write(block);
            }
        }
        final long before = usedHeap();
        final long startNs = System.nanoTime();
        final Answer answer = exchange("PUT", "/metrics/job/bomb", compressed.toByteArray(),
                "Content-Encoding: gzip\r\n");
        assertEquals(413, answer.status);
        assertEquals("push body exceeds the limit of 1048576 bytes after decompression (--push.max-body-bytes)\n",
                answer.body);
        assertTrue(System.nanoTime() - startNs < 10 * SECOND_NS, "answered without inflating 512 MiB");
        assertTrue(usedHeap() - before < 256L << 20, "memory stays bounded");
        assertTrue(!get("/metrics").body.contains("job=\"bomb\""), "nothing stored");
    }

    @Test
    void shouldBoundTheStoreAndLetDeletesMakeRoom() throws Exception {
        start(limits(0, 0, 0, 0, 0, 0, 2, 0));
        assertEquals(200, push("/metrics/job/a", "x 1\n").status);
        assertEquals(200, push("/metrics/job/b", "x 1\n").status);
        final Answer full = push("/metrics/job/c", "x 1\n");
        assertEquals(429, full.status);
        assertEquals("the store is full: it holds the maximum of 2 groups (--store.max-groups); delete groups or"
                + " raise the limit\n", full.body);
        assertEquals(200, push("/metrics/job/a", "x 2\ny 3\n").status, "an existing group can still be pushed");
        assertEquals(202, exchange("DELETE", "/metrics/job/b", new byte[0], "").status);
        assertEquals(200, push("/metrics/job/c", "x 1\n").status, "a delete makes room");
        assertEquals(200, get("/-/healthy").status);
        server.stop();

        start(limits(0, 0, 0, 0, 0, 0, 0, 10));
        assertEquals(200, push("/metrics/job/a", "x 1\ny 1\nz 1\n").status); // 3 + 2 timestamps = 5
        assertEquals(200, push("/metrics/job/b", "x 1\ny 1\nz 1\n").status); // 10
        assertEquals(429, push("/metrics/job/c", "x 1\n").status);
        assertEquals(200, push("/metrics/job/a", "x 2\ny 2\nz 2\n").status, "replacing series adds none");
        final Answer over = push("/metrics/job/a", "x 2\ny 2\nz 2\nw 2\n");
        assertEquals(429, over.status);
        assertTrue(over.body.contains("--store.max-series"), over.body);
        final String metrics = get("/metrics").body;
        assertTrue(metrics.contains("pushgateway_limit_rejections_total{limit=\"store.max-series\"} 2\n"), metrics);
    }

    @Test
    void shouldBoundTheRequestLineAndHeaders() throws Exception {
        final Limits d = Limits.defaults();
        start(new Limits(d.maxBodyBytes(), d.maxSeriesPerPush(), d.maxLabels(), d.maxMetricNameBytes(),
                d.maxLabelNameBytes(), d.maxLabelValueBytes(), d.maxGroups(), d.maxSeries(), 2048,
                d.readTimeoutNs(), d.idleTimeoutNs(), d.maxConnections()));
        assertEquals(200, get("/metrics?x=" + "a".repeat(1900)).status);
        assertEquals(414, get("/metrics?x=" + "a".repeat(2100)).status);
        assertEquals(200, exchange("GET", "/metrics", new byte[0], "X-Pad: " + "b".repeat(1900) + "\r\n").status);
        assertEquals(431, exchange("GET", "/metrics", new byte[0], "X-Pad: " + "b".repeat(2100) + "\r\n").status);
    }

    @Test
    void shouldDisconnectSlowAndIdleClientsAndBoundConnections() throws Exception {
        final Limits d = Limits.defaults();
        start(new Limits(d.maxBodyBytes(), d.maxSeriesPerPush(), d.maxLabels(), d.maxMetricNameBytes(),
                d.maxLabelNameBytes(), d.maxLabelValueBytes(), d.maxGroups(), d.maxSeries(), d.maxHeaderBytes(),
                SECOND_NS / 2, 2 * SECOND_NS, 3));
        // slowloris: a request line that trickles in is cut at the read timeout
        try (Socket slow = connect()) {
            final OutputStream out = slow.getOutputStream();
            final long startNs = System.nanoTime();
            boolean closed = false;
            for (int i = 0; i < 40 && !closed; i++) {
                try {
                    out.write('G');
                    out.flush();
                    Thread.sleep(100);
                } catch (IOException e) {
                    closed = true;
                }
                closed |= readClosed(slow, 1);
            }
            assertTrue(closed, "the slow client was disconnected");
            assertTrue(System.nanoTime() - startNs < 3 * SECOND_NS);
        }
        // an idle kept-alive connection is closed after the idle timeout
        try (Socket idle = connect()) {
            idle.getOutputStream().write("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            final InputStream in = idle.getInputStream();
            final byte[] buf = new byte[4096];
            assertTrue(in.read(buf) > 0, "answered");
            idle.setSoTimeout(5000);
            final long startNs = System.nanoTime();
            int n;
            do {
                n = in.read(buf);
            } while (n > 0);
            assertEquals(-1, n, "closed by the gateway");
            assertTrue(System.nanoTime() - startNs > SECOND_NS, "not before the idle timeout");
        }
        // connections beyond the cap are closed at once
        final List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(connect());
            }
            Thread.sleep(200);
            try (Socket fourth = connect()) {
                assertTrue(readClosed(fourth, 2000), "the fourth connection is closed");
            }
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
        Thread.sleep(300);
        assertEquals(200, get("/-/healthy").status, "room again once connections closed");
        final String metrics = get("/metrics").body;
        assertTrue(metrics.contains("pushgateway_limit_rejections_total{limit=\"web.read-timeout\"}"), metrics);
        assertTrue(metrics.contains("pushgateway_limit_rejections_total{limit=\"web.max-connections\"}"), metrics);
    }

    // ------------------------------------------------------------------ plumbing

    private static String pad(String body, int bytes) {
        final StringBuilder sb = new StringBuilder(body);
        while (sb.length() < bytes - 1) {
            sb.append('#');
        }
        sb.setLength(bytes - 1);
        return sb.append('\n').toString();
    }

    private static void assertRefused(Answer answer, String message) {
        assertEquals(413, answer.status, answer.body);
        assertEquals(message + "\n", answer.body);
    }

    private static long usedHeap() {
        System.gc();
        final Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private Socket connect() throws IOException {
        final Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        return socket;
    }

    /** {@code true} when the peer closed the connection within {@code timeoutMs}. */
    private static boolean readClosed(Socket socket, int timeoutMs) throws IOException {
        socket.setSoTimeout(timeoutMs);
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private record Answer(int status, String body) {
    }

    private Answer push(String path, String body) throws IOException {
        return exchange("PUT", path, body.getBytes(StandardCharsets.UTF_8), "");
    }

    private Answer get(String path) throws IOException {
        return exchange("GET", path, new byte[0], "");
    }

    /** One request on a new connection, answered with Content-Length (the gateway always sends one). */
    private Answer exchange(String method, String path, byte[] body, String headers) throws IOException {
        try (Socket socket = connect()) {
            socket.setSoTimeout(30_000);
            final OutputStream out = socket.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            try {
                out.write(body);
                out.flush();
            } catch (IOException e) {
                // the gateway may answer and close before reading a refused body whole
            }
            final byte[] response = socket.getInputStream().readAllBytes();
            final String text = new String(response, StandardCharsets.UTF_8);
            final int status = Integer.parseInt(text.substring(9, 12));
            final int bodyAt = text.indexOf("\r\n\r\n");
            return new Answer(status, bodyAt < 0 ? "" : text.substring(bodyAt + 4));
        }
    }
}
