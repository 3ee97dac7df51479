package io.cairn.server.web;

import io.cairn.server.CairnServer;
import io.cairn.server.Flags;
import io.cairn.server.FlagsException;
import io.cairn.server.auth.WebSecurity;
import io.cairn.server.http.Limits;
import io.cairn.server.http.Routes;
import io.cairn.server.http.Switches;
import io.cairn.server.log.Log;
import io.cairn.server.selfmetrics.SelfMetrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A {@link CairnServer} on a loopback port under a route prefix, and an {@link HttpClient} to push to it. */
final class TestGateway implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final CairnServer server;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT).build();
    /** {@code http://127.0.0.1:<port><prefix>}. */
    final String base;

    TestGateway(String prefix) throws InterruptedException, FlagsException {
        this(prefix, WebSecurity.NONE, false);
    }

    /** With the TLS and basic auth of a web config, and {@code --web.enable-admin-api} or not. */
    TestGateway(String prefix, WebSecurity web, boolean enableAdminApi) throws InterruptedException, FlagsException {
        final Log log = Log.create(Log.Level.WARN, Log.Format.LOGFMT,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), Clock.systemUTC());
        server = new CairnServer(log, new Routes(prefix, "/metrics"), new Switches(false, enableAdminApi, true, false, false),
                Limits.defaults(),
                // the status page shows every flag with its default, as the daemon's does
                Flags.parse(new String[] {"--web.listen-address=127.0.0.1:0", "--web.route-prefix=" + prefix,
                    "--web.enable-admin-api=" + enableAdminApi}).statusFlags(),
                Flags.buildInformation(),
                new SelfMetrics("0.1.0-test", "test-revision", "test-branch"));
        server.web(web);
        server.start(List.of(new InetSocketAddress("127.0.0.1", 0)));
        base = "http://127.0.0.1:" + server.boundAddresses().get(0).getPort() + prefix;
    }

    /** Sends a request to {@code base + path}; a null body sends none. */
    HttpResponse<String> send(String method, String path, String body, String... headerPairs)
            throws IOException, InterruptedException {
        final HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).method(method, publisher)
                .timeout(TIMEOUT);
        for (int i = 0; i < headerPairs.length; i += 2) {
            request.header(headerPairs[i], headerPairs[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** PUTs {@code body} to the push path {@code /metrics/job/...} and checks the answer. */
    void put(String pushPath, String body) throws IOException, InterruptedException {
        final HttpResponse<String> response = send("PUT", pushPath, body);
        if (response.statusCode() != 200) {
            throw new AssertionError("PUT " + pushPath + " answered " + response.statusCode() + ": "
                    + response.body());
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
