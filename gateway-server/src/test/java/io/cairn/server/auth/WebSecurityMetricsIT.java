package io.cairn.server.auth;

import io.cairn.core.testing.LeakRecorder;
import io.cairn.server.CairnServer;
import io.cairn.server.http.Limits;
import io.cairn.server.http.Routes;
import io.cairn.server.http.Switches;
import io.cairn.server.log.Log;
import io.cairn.server.selfmetrics.SelfMetrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLHandshakeException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The self metrics of {@code --web.config.file} on a real {@link CairnServer} with TLS and basic auth: failed
 * handshakes and 401s are counted, requests that pass are not.
 */
class WebSecurityMetricsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String ALICE = BasicAuthHandlerTest.basic("alice:alice123");
    private static final String TLS_ERRORS = "pushgateway_tls_handshake_errors_total ";
    private static final String UNAUTHORIZED = "pushgateway_http_unauthorized_requests_total ";

    private CairnServer server;
    private String base;
    private int port;
    private HttpClient trusting;

    @BeforeEach
    void start() throws Exception {
        final Log log = Log.create(Log.Level.INFO, Log.Format.LOGFMT,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), Clock.systemUTC());
        server = new CairnServer(log, new Routes("", "/metrics"), new Switches(false, false, true, false, false),
                Limits.defaults(), Map.of("web.listen-address", "127.0.0.1:0"), Map.of("version", "0.1.0-test"),
                new SelfMetrics("0.1.0-test", "test-revision", "test-branch"));
        server.web(WebSecurity.load(TestFiles.file("web-config.yml").toString()));
        server.start(List.of(new InetSocketAddress("127.0.0.1", 0)));
        port = server.boundAddresses().get(0).getPort();
        base = "https://127.0.0.1:" + port;
        trusting = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT)
                .sslContext(TestFiles.trustingTestCa()).build();
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
    void shouldCountFailedHandshakesAndUnauthorizedRequests() throws Exception {
        assertEquals(0.0, value(scrape(), TLS_ERRORS));
        assertEquals(0.0, value(scrape(), UNAUTHORIZED));

        // a client that does not trust the server's certificate aborts the handshake
        final HttpClient untrusting = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(TIMEOUT).build();
        assertThrows(SSLHandshakeException.class, () -> untrusting.send(get("/-/healthy", null),
                HttpResponse.BodyHandlers.ofString()));
        assertEquals(1.0, value(awaitTlsErrors(1), TLS_ERRORS), "a refused certificate");
        // plain HTTP sent to the TLS listener
        try (Socket socket = new Socket("127.0.0.1", port)) {
            final OutputStream out = socket.getOutputStream();
            out.write("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // the server closes the connection
            }
        } catch (IOException e) {
            // a reset is as good as a close
        }
        assertEquals(401, send(get("/-/healthy", null)));
        assertEquals(401, send(get("/-/healthy", BasicAuthHandlerTest.basic("alice:wrong"))));
        assertEquals(200, send(get("/-/healthy", ALICE)));

        final String text = awaitTlsErrors(2);
        assertEquals(2.0, value(text, TLS_ERRORS), text);
        assertEquals(2.0, value(text, UNAUTHORIZED), text);
        assertTrue(text.contains("pushgateway_http_requests_total{code=\"200\",handler=\"healthy\",method=\"get\"} 1\n"),
                text);
        assertTrue(!text.contains("code=\"401\""), "401s are not among the handlers' requests: " + text);
    }

    /** A scrape once {@code n} TLS errors are counted (the server may see an alert after the client gave up). */
    private String awaitTlsErrors(int n) throws Exception {
        String text = scrape();
        for (int i = 0; i < 500 && value(text, TLS_ERRORS) < n; i++) {
            Thread.sleep(10);
            text = scrape();
        }
        return text;
    }

    private HttpRequest get(String path, String authorization) {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b.build();
    }

    private int send(HttpRequest request) throws Exception {
        return trusting.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String scrape() throws Exception {
        final HttpResponse<String> r = trusting.send(get("/metrics", ALICE), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    /** The value of the unlabelled sample line beginning with {@code prefix} (name and a space). */
    private static double value(String exposition, String prefix) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(prefix)) {
                return Double.parseDouble(line.substring(prefix.length()));
            }
        }
        throw new AssertionError("no " + prefix + "in " + exposition);
    }

}
