package io.cairn.server;

import io.cairn.core.testing.LeakRecorder;
import io.cairn.server.http.GatewayHarness;
import io.cairn.server.http.Limits;
import io.cairn.server.http.Routes;
import io.cairn.server.http.Switches;
import io.cairn.server.log.Log;
import io.cairn.server.selfmetrics.SelfMetrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CairnServer} on a loopback socket on port 0, driven by {@link HttpClient} (and by a raw socket where the
 * client must control the bytes on the wire).
 */
class GatewayIT {
    private static final String GAUGE = "# HELP a A gauge.\n# TYPE a gauge\na 1\n";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private CairnServer server;
    private HttpClient client;
    private String base;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws InterruptedException {
        final Log log = Log.create(Log.Level.INFO, Log.Format.LOGFMT,
                new PrintStream(logBytes, true, StandardCharsets.UTF_8), Clock.systemUTC());
        server = new CairnServer(log, new Routes("", "/metrics"), new Switches(false, false, true, false, false),
                Limits.defaults(),
                Map.of("web.listen-address", "127.0.0.1:0"), Map.of("version", "0.1.0-test"),
                new SelfMetrics("0.1.0-test", "test-revision", "test-branch"));
        server.start(List.of(new InetSocketAddress("127.0.0.1", 0)));
        address = server.boundAddresses().get(0);
        base = "http://127.0.0.1:" + address.getPort();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @AfterAll
    static void noLeaks() {
        LeakRecorder.assertNoLeaks();
    }

    @Test
    void shouldPushScrapeAndDelete() throws Exception {
        final HttpResponse<String> put = send("PUT", "/metrics/job/j/instance/i", GAUGE);
        assertEquals(200, put.statusCode());
        assertEquals("", put.body());

        final HttpResponse<String> scrape = send("GET", "/metrics", null);
        assertEquals(200, scrape.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", scrape.headers().firstValue("Content-Type")
                .orElse(null));
        final List<String> lines = GatewayHarness.filter(scrape.body());
        assertTrue(lines.contains("a{instance=\"i\",job=\"j\"} 1"), lines.toString());
        assertTrue(lines.contains("push_time_seconds{instance=\"i\",job=\"j\"} <TS>"), lines.toString());

        final HttpResponse<String> delete = send("DELETE", "/metrics/job/j/instance/i", null);
        assertEquals(202, delete.statusCode());
        // the writer applies commands in order: once this push is acknowledged, the delete was applied
        assertEquals(200, send("PUT", "/metrics/job/other", "b 2\n").statusCode());

        final List<String> after = GatewayHarness.filter(send("GET", "/metrics", null).body());
        assertTrue(after.stream().noneMatch(l -> l.contains("job=\"j\"")), after.toString());
        assertTrue(after.contains("b{instance=\"\",job=\"other\"} 2"), after.toString());
    }

    @Test
    void shouldAnswerParseErrorWithGoText() throws Exception {
        final HttpResponse<String> put = send("PUT", "/metrics/job/j", "a 1\nb{x=\"1\" 2\n");

        assertEquals(400, put.statusCode());
        assertEquals("text format parsing error in line 2: unexpected end of label value \"1\"\n", put.body());
    }

    @Test
    void shouldServeGzipScrapeThatDecompressesToThePlainOne() throws Exception {
        assertEquals(200, send("PUT", "/metrics/job/j", GAUGE).statusCode());
        assertEquals(200, send("PUT", "/metrics/job/k/instance/x", "# TYPE c_total counter\nc_total{a=\"b\"} 7\n")
                .statusCode());

        final HttpResponse<byte[]> gzipped = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                .header("Accept-Encoding", "gzip").timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
        final HttpResponse<String> plain = send("GET", "/metrics", null);

        assertEquals(200, gzipped.statusCode());
        assertEquals("gzip", gzipped.headers().firstValue("Content-Encoding").orElse(null));
        final String unzipped;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped.body()))) {
            unzipped = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // the gateway's own figures move between two scrapes; the pushed part must be identical
        assertEquals(GatewayHarness.filter(plain.body()), GatewayHarness.filter(unzipped));
        assertTrue(unzipped.contains("# TYPE pushgateway_build_info gauge\n"), unzipped);
        assertTrue(unzipped.contains("c_total{a=\"b\",instance=\"x\",job=\"k\"} 7\n"), unzipped);
    }

    @Test
    void shouldKeepEveryGroupOfManyConcurrentPushers() throws Exception {
        final int pushers = 100;
        final int pushesEach = 20;
        final ExecutorService pool = Executors.newFixedThreadPool(pushers);
        try {
            final List<Future<List<Integer>>> results = new ArrayList<>();
            for (int p = 0; p < pushers; p++) {
                final int pusher = p;
                results.add(pool.submit(() -> {
                    final List<Integer> codes = new ArrayList<>();
                    for (int n = 0; n < pushesEach; n++) {
                        codes.add(send("PUT", "/metrics/job/pusher-" + pusher + "/instance/n" + n,
                                "# TYPE pushed_value gauge\npushed_value{seq=\"" + n + "\"} " + (pusher * 1000 + n)
                                        + "\n").statusCode());
                    }
                    return codes;
                }));
            }
            for (Future<List<Integer>> result : results) {
                for (int code : result.get(120, TimeUnit.SECONDS)) {
                    assertEquals(200, code);
                }
            }
        } finally {
            pool.shutdownNow();
        }

        final String scrape = send("GET", "/metrics", null).body();

        int values = 0;
        int pushTimes = 0;
        for (String line : scrape.split("\n")) {
            if (line.startsWith("pushed_value{")) {
                values++;
            } else if (line.startsWith("push_time_seconds{") && line.contains("job=\"pusher-")) {
                pushTimes++;
            }
        }
        assertEquals(pushers * pushesEach, values);
        assertEquals(pushers * pushesEach, pushTimes);
        for (int p = 0; p < pushers; p += 33) {
            for (int n = 0; n < pushesEach; n += 7) {
                final String line = "pushed_value{instance=\"n" + n + "\",job=\"pusher-" + p + "\",seq=\"" + n + "\"} "
                        + (p * 1000 + n) + "\n";
                assertTrue(scrape.contains(line), line);
            }
        }
        assertEquals(1, count(scrape, "# TYPE pushed_value gauge\n"));
    }

    @Test
    void shouldAnswerPipelinedRequestsOnOneConnectionInOrder() throws IOException {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            final String body = "a 1\n";
            final String requests = "PUT /metrics/job/j HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body
                    + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "PUT /metrics/job/j/odd HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nb 2\n"
                    + "GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();

            final String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            final int ok = answers.indexOf("HTTP/1.1 200 OK");
            final int notFound = answers.indexOf("HTTP/1.1 404 Not Found", ok);
            final int bad = answers.indexOf("HTTP/1.1 400 Bad Request", notFound);
            final int healthy = answers.indexOf("HTTP/1.1 200 OK", bad);
            assertTrue(ok >= 0 && notFound > ok && bad > notFound && healthy > bad, answers);
            assertTrue(answers.contains("404 page not found\n"), answers);
            assertTrue(answers.contains("odd number of components in label string \"/odd\"\n"), answers);
            assertTrue(answers.endsWith("\r\n\r\nOK"), answers);
        }
    }

    @Test
    void shouldAnswerARequestInFlightWhenStopBegins() throws Exception {
        final String body = GAUGE;
        final int half = body.length() / 2;
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            final OutputStream out = socket.getOutputStream();
            out.write(("PUT /metrics/job/inflight HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body.substring(0, half)).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // the server has the request head before stop begins: a request on the same connection answers first
            final CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::stop);
            awaitListenerClosed();

            out.write(body.substring(half).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final String answer = readHead(socket.getInputStream());

            assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n"), "answer: '" + answer + "'");
            stopping.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldAnswerPushesQueuedBeforeStop() throws Exception {
        // many pushes in flight on their own connections while stop begins: every one that got an answer got a
        // whole one, and the ones answered 200 were applied before the store closed (nothing accepted is lost)
        final int clients = 20;
        final ExecutorService pool = Executors.newFixedThreadPool(clients);
        final List<Future<String>> answers = new ArrayList<>();
        try {
            for (int c = 0; c < clients; c++) {
                final int client = c;
                answers.add(pool.submit(() -> rawPush("/metrics/job/stop-" + client, GAUGE)));
            }
            server.stop();
            for (Future<String> answer : answers) {
                final String head = answer.get(60, TimeUnit.SECONDS);
                assertTrue(head.isEmpty() || head.startsWith("HTTP/1.1 200 OK\r\n")
                        || head.startsWith("connect refused"), head);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ helpers

    private HttpResponse<String> send(String method, String path, String body) throws IOException,
            InterruptedException {
        final HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).method(method, publisher)
                .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String rawPush(String path, String body) throws IOException {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            socket.getOutputStream().write(("PUT " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            return readHead(socket.getInputStream());
        } catch (ConnectException e) {
            return "connect refused";
        }
    }

    /** Bytes up to the end of the response head, or what came before the connection closed. */
    private static String readHead(InputStream in) throws IOException {
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        try {
            while ((b = in.read()) >= 0) {
                head.write(b);
                final String text = head.toString(StandardCharsets.ISO_8859_1);
                if (text.endsWith("\r\n\r\n")) {
                    break;
                }
            }
        } catch (java.net.SocketException e) {
            // reset by the peer: return what was read
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private void awaitListenerClosed() throws InterruptedException {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket()) {
                probe.connect(address, 1000);
            } catch (IOException refused) {
                return;
            }
            Thread.sleep(1);
        }
        throw new AssertionError("the listener did not close");
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
