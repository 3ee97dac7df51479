package io.cairn.server.systemd;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.cairn.server.auth.TestFiles;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real gateway process ({@code target/cairn.jar}) with this test playing systemd's part: a notify socket
 * ({@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC}), listening sockets passed as descriptor 3 ({@code LISTEN_FDS},
 * through {@code systemd-socket-activate} or a few lines of Python, whichever the machine has), SIGHUP to reload the
 * web config and SIGTERM to stop.
 */
class SystemdIT {
    private static final long TIMEOUT_S = 60;

    @TempDir
    Path dir;
    private Process process;
    private EventLoopGroup group;
    private Channel notifyChannel;
    private final BlockingQueue<String> notifications = new LinkedBlockingQueue<>();
    private final List<String> received = new ArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (notifyChannel != null) {
            notifyChannel.close().sync();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void shouldNotifyReadyOnceLoadedThenWatchdogThenStoppingAndDrainBeforeExitingZero() throws Exception {
        final int port = freePort();
        final List<String> args = List.of("--web.listen-address=127.0.0.1:" + port,
                "--persistence.file=" + dir.resolve("state"));
        // a first run leaves groups in the journal, and stops on SIGTERM with exit code 0
        process = launch(List.of(), Map.of(), args);
        awaitHttp(port, "/-/ready", null, 200);
        for (int i = 0; i < 5; i++) {
            assertEquals(200, put(port, "g" + i, i));
        }
        process.destroy(); // SIGTERM
        assertTrue(process.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "stops on SIGTERM");
        assertEquals(0, process.exitValue(), log());

        bindNotifySocket("/");
        process = launch(List.of(), Map.of("NOTIFY_SOCKET", dir.resolve("notify").toString(),
                "WATCHDOG_USEC", "400000"), args);
        awaitNotification("READY=1");
        // READY=1 came once the listener answers and the journal is applied
        assertEquals(200, request(port, "GET", "/-/ready", null, null).status, log());
        final String metrics = request(port, "GET", "/metrics", null, null).body;
        for (int i = 0; i < 5; i++) {
            assertTrue(metrics.contains("v{instance=\"g" + i + "\",job=\"sd\"} " + i + "\n"), metrics);
        }
        assertTrue(String.join("|", received).contains("STATUS=serving 5 groups"), received.toString());
        assertTrue(String.join("|", received).contains("STATUS=loading persisted metrics"), received.toString());
        for (int i = 0; i < 3; i++) {
            awaitNotification("WATCHDOG=1"); // every 200 ms, WATCHDOG_USEC/2
        }

        // a push whose body is still on the way when SIGTERM arrives is answered and journaled before the exit
        try (Socket slow = new Socket()) {
            slow.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            slow.setSoTimeout((int) TimeUnit.SECONDS.toMillis(TIMEOUT_S));
            final String body = "# TYPE v gauge\nv 42\n";
            final OutputStream out = slow.getOutputStream();
            // a first request on the connection shows that the gateway accepted it and reads from it
            out.write("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final String healthy = readResponse(slow.getInputStream());
            assertTrue(healthy.startsWith("HTTP/1.1 200"), healthy);
            out.write(("PUT /metrics/job/sd/instance/late HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body.substring(0, 5)).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(300); // the head is read and the request is in flight
            process.destroy(); // SIGTERM
            awaitNotification("STOPPING=1");
            out.write(body.substring(5).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final String response = readAll(slow.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
        }
        assertTrue(process.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "stops after draining");
        assertEquals(0, process.exitValue(), log());

        process = launch(List.of(), Map.of(), args);
        awaitHttp(port, "/-/ready", null, 200);
        final String after = request(port, "GET", "/metrics", null, null).body;
        assertTrue(after.contains("v{instance=\"late\",job=\"sd\"} 42\n"), after);
    }

    @Test
    void shouldNotifyThroughAnAbstractSocket() throws Exception {
        final int port = freePort();
        final String name = "cairn-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        bindNotifySocket("\0" + name);
        process = launch(List.of(), Map.of("NOTIFY_SOCKET", "@" + name),
                List.of("--web.listen-address=127.0.0.1:" + port));
        awaitNotification("READY=1");
        process.destroy();
        awaitNotification("STOPPING=1");
        assertTrue(process.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "stops on SIGTERM");
        assertEquals(0, process.exitValue(), log());
    }

    @ParameterizedTest
    @ValueSource(strings = {"systemd-socket-activate", "python3"})
    void shouldServeOnTheSocketSystemdPasses(String launcher) throws Exception {
        assumeTrue(onPath(launcher), launcher + " is not installed");
        final int port = freePort();
        final Path config = dir.resolve("web.yml");
        Files.writeString(config, tls() + users("alice", "alice123"));
        final List<String> prefix = launcher.equals("python3")
                ? List.of("python3", "-c", PYTHON_LAUNCHER, Integer.toString(port))
                : List.of("systemd-socket-activate", "--listen=127.0.0.1:" + port);
        // the listen address is a decoy: the gateway must use the passed socket and ignore it
        process = launch(prefix, Map.of(), List.of("--web.systemd-socket", "--web.config.file=" + config,
                "--web.listen-address=127.0.0.1:1"));
        awaitHttp(port, "/-/ready", basic("alice", "alice123"), 200, TestFiles.trustingTestCa());
        // TLS and basic auth apply to the passed socket as to any listener
        assertEquals(401, request(port, "GET", "/-/ready", null, null, TestFiles.trustingTestCa()).status);
        assertThrows(IOException.class, () -> request(port, "GET", "/-/ready", basic("alice", "alice123"), null),
                "plain HTTP on a TLS listener");
        assertTrue(log().contains("Listening on systemd activated listeners instead of port listeners."), log());
        assertTrue(log().contains("msg=\"listening on address\" address=127.0.0.1:" + port + " fd=3"), log());
        process.destroy();
        assertTrue(process.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "stops on SIGTERM");
        assertEquals(0, process.exitValue(), log());
    }

    @Test
    void shouldRefuseToStartWithoutPassedSockets() throws Exception {
        process = launch(List.of(), Map.of(), List.of("--web.systemd-socket"));
        assertTrue(process.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "exits");
        assertEquals(1, process.exitValue(), log());
        assertTrue(log().contains("level=error msg=\"HTTP server stopped\""
                + " err=\"no socket activation file descriptors found\""), log());
    }

    @Test
    void shouldReloadTheWebConfigOnSighupAndKeepItWhenTheNewFileIsBad() throws Exception {
        final int port = freePort();
        final Path config = dir.resolve("web.yml");
        Files.writeString(config, users("alice", "alice123"));
        process = launch(List.of(), Map.of(), List.of("--web.listen-address=127.0.0.1:" + port,
                "--web.config.file=" + config));
        awaitHttp(port, "/-/healthy", basic("alice", "alice123"), 200);
        assertEquals(401, request(port, "GET", "/-/healthy", basic("bob", "bob456"), null).status);

        Files.writeString(config, users("bob", "bob456"));
        hangUp();
        awaitLog("web config reloaded; new connections use it", 1);
        assertEquals(200, request(port, "GET", "/-/healthy", basic("bob", "bob456"), null).status);
        assertEquals(401, request(port, "GET", "/-/healthy", basic("alice", "alice123"), null).status);

        Files.writeString(config, "basic_auth_users:\n  carol: not-a-bcrypt-hash\n");
        hangUp();
        awaitLog("cannot reload --web.config.file; keeping the configuration in use", 1);
        assertTrue(log().contains("crypto/bcrypt: hashedSecret too short to be a bcrypted password"), log());
        assertEquals(200, request(port, "GET", "/-/healthy", basic("bob", "bob456"), null).status, "bob stays");

        Files.writeString(config, "tls_server_config:\n  cert_file: missing.pem\n");
        hangUp();
        awaitLog("cannot reload --web.config.file; keeping the configuration in use", 2);
        assertTrue(log().contains("missing key_file"), log());
        assertEquals(200, request(port, "GET", "/-/healthy", basic("bob", "bob456"), null).status, "plain HTTP");

        // from plain HTTP to TLS: new connections need TLS
        Files.writeString(config, tls() + users("bob", "bob456"));
        hangUp();
        awaitLog("web config reloaded; new connections use it", 2);
        assertEquals(200, request(port, "GET", "/-/healthy", basic("bob", "bob456"), null,
                TestFiles.trustingTestCa()).status);
        assertThrows(IOException.class, () -> request(port, "GET", "/-/healthy", basic("bob", "bob456"), null));
        process.destroy();
        assertTrue(process.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "stops on SIGTERM");
        assertEquals(0, process.exitValue(), log());
    }

    // ------------------------------------------------------------------ systemd's side

    /**
     * What {@code systemd-socket-activate --listen} does, for machines without it: binds and listens, puts the socket
     * on descriptor 3, sets {@code LISTEN_FDS} and {@code LISTEN_PID} (the pid stays across {@code exec}), execs.
     */
    private static final String PYTHON_LAUNCHER = String.join("\n",
            "import os, socket, sys",
            "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('127.0.0.1', int(sys.argv[1])))",
            "s.listen(128)",
            "if s.fileno() != 3:",
            "    os.dup2(s.fileno(), 3)",
            "os.set_inheritable(3, True)",
            "os.environ['LISTEN_FDS'] = '1'",
            "os.environ['LISTEN_PID'] = str(os.getpid())",
            "os.execvp(sys.argv[2], sys.argv[2:])");

    private void bindNotifySocket(String where) throws InterruptedException {
        final String path = where.equals("/") ? dir.resolve("notify").toString() : where;
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        notifyChannel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                        notifications.add(packet.content().toString(StandardCharsets.UTF_8));
                    }
                })
                .bind(new DomainSocketAddress(path)).sync().channel();
    }

    /** Waits for a notification containing {@code line}, keeping every notification seen. */
    private void awaitNotification(String line) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (System.nanoTime() < deadline) {
            final String message = notifications.poll(100, TimeUnit.MILLISECONDS);
            if (message != null) {
                received.add(message);
                if (message.lines().anyMatch(line::equals)) {
                    return;
                }
            }
        }
        fail("no " + line + " within " + TIMEOUT_S + " s; received " + received + "; log:\n" + log());
    }

    private void hangUp() throws Exception {
        final Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -HUP");
    }

    // ------------------------------------------------------------------ the process

    private Process launch(List<String> prefix, Map<String, String> env, List<String> args) throws IOException {
        final Path jar = Path.of("target", "cairn.jar").toAbsolutePath();
        assertTrue(Files.exists(jar), "built by the package phase: " + jar);
        final List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dio.netty.leakDetection.level=disabled", "-jar", jar.toString()));
        command.addAll(args);
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("gateway.log").toFile()));
        // whatever systemd gave the build itself is not for the gateway under test
        for (String name : List.of("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID",
                "LISTEN_FDNAMES")) {
            builder.environment().remove(name);
        }
        builder.environment().putAll(env);
        return builder.start();
    }

    private String log() throws IOException {
        final Path log = dir.resolve("gateway.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    private void awaitLog(String text, int times) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (System.nanoTime() < deadline) {
            if (log().split(Pattern.quote(text), -1).length - 1 >= times) {
                return;
            }
            Thread.sleep(50);
        }
        fail("the log does not say " + times + " time(s) \"" + text + "\":\n" + log());
    }

    private void awaitHttp(int port, String path, String authorization, int status) throws Exception {
        awaitHttp(port, path, authorization, status, null);
    }

    private void awaitHttp(int port, String path, String authorization, int status, SSLContext tls)
            throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (System.nanoTime() < deadline) {
            assertTrue(process.isAlive(), "the gateway exited: " + log());
            try {
                if (request(port, "GET", path, authorization, null, tls).status == status) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        fail("no " + status + " from " + path + " within " + TIMEOUT_S + " s: " + log());
    }

    private static int put(int port, String instance, long value) throws IOException {
        return request(port, "PUT", "/metrics/job/sd/instance/" + instance, null, "# TYPE v gauge\nv " + value + "\n")
                .status;
    }

    private static Response request(int port, String method, String path, String authorization, String body)
            throws IOException {
        return request(port, method, path, authorization, body, null);
    }

    /** One request on a new connection (a reload applies to new connections only), over TLS unless null. */
    private static Response request(int port, String method, String path, String authorization, String body,
                                    SSLContext tls) throws IOException {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            plain.setSoTimeout((int) TimeUnit.SECONDS.toMillis(TIMEOUT_S));
            final Socket socket = tls == null ? plain
                    : tls.getSocketFactory().createSocket(plain, "127.0.0.1", port, true);
            final StringBuilder head = new StringBuilder(method).append(' ').append(path)
                    .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
            if (authorization != null) {
                head.append("Authorization: ").append(authorization).append("\r\n");
            }
            final byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            if (body != null) {
                head.append("Content-Length: ").append(content.length).append("\r\n");
            }
            final OutputStream out = socket.getOutputStream();
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            final String response = readAll(socket.getInputStream());
            final int space = response.indexOf(' ');
            if (space < 0) {
                throw new IOException("no response");
            }
            final int headEnd = response.indexOf("\r\n\r\n");
            return new Response(Integer.parseInt(response.substring(space + 1, space + 4)),
                    headEnd < 0 ? "" : response.substring(headEnd + 4));
        }
    }

    /** One keep-alive response: the head, then as many body bytes as its {@code Content-Length} says. */
    private static String readResponse(InputStream in) throws IOException {
        final StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0) {
            final int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head);
            }
            head.append((char) b);
        }
        final Matcher length = Pattern.compile("(?i)content-length: *(\\d+)")
                .matcher(head);
        final int bodyBytes = length.find() ? Integer.parseInt(length.group(1)) : 0;
        return head + new String(in.readNBytes(bodyBytes), StandardCharsets.UTF_8);
    }

    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    private static final class Response {
        final int status;
        final String body;

        Response(int status, String body) {
            this.status = status;
            this.body = body;
        }
    }

    /** {@code tls_server_config} with the test certificate of the auth package (CN and SAN 127.0.0.1). */
    private static String tls() {
        return "tls_server_config:\n  cert_file: " + TestFiles.file("server.pem") + "\n  key_file: "
                + TestFiles.file("server.key") + "\n";
    }



    private static String users(String user, String password) {
        return "basic_auth_users:\n  " + user + ": "
                + BCrypt.withDefaults().hashToString(4, password.toCharArray()) + "\n";
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
