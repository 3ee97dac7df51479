package io.cairn.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The release archive ({@code target/cairn-<version>.tar.gz}, built by the package phase) as an operator uses it:
 * unpacked, {@code bin/cairn} answers {@code --version}, refuses a Java older than 17, and runs the gateway (as the
 * JVM itself, through {@code exec}) until SIGTERM; the systemd units pass {@code systemd-analyze verify} where that
 * tool is installed.
 */
class DistributionIT {
    private static final long TIMEOUT_S = 60;

    @TempDir
    Path dir;
    private Path home;
    private Process process;

    @BeforeEach
    void unpack() throws Exception {
        final Path archive;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            final List<Path> archives = files.filter(p -> p.getFileName().toString().matches("cairn-.*\\.tar\\.gz"))
                    .collect(Collectors.toList());
            assertEquals(1, archives.size(), "built by the package phase: " + archives);
            archive = archives.get(0).toAbsolutePath();
        }
        assertEquals(0, run(List.of("tar", "xzf", archive.toString(), "-C", dir.toString())).exitValue());
        final String name = archive.getFileName().toString();
        home = dir.resolve(name.substring(0, name.length() - ".tar.gz".length()));
        for (String file : List.of("bin/cairn", "lib/cairn.jar", "systemd/cairn.service", "systemd/cairn.socket",
                "config/web-config.yml", "README.md", "docs/operations.md", "docs/images/web-ui.png",
                "docs/monitoring/cairn-alerts.yml", "docs/monitoring/cairn-dashboard.json")) {
            assertTrue(Files.isRegularFile(home.resolve(file)), "the archive holds " + file);
        }
        assertTrue(Files.isExecutable(home.resolve("bin/cairn")));
    }

    @AfterEach
    void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldPrintTheVersion() throws Exception {
        final Process version = run(List.of(home.resolve("bin/cairn").toString(), "--version"));
        final String out = output(version);
        assertEquals(0, version.exitValue(), out);
        assertTrue(out.startsWith("cairn, version "), out);
    }

    @Test
    void shouldRefuseAJavaOlderThan17() throws Exception {
        final Path old = dir.resolve("java8/bin/java");
        Files.createDirectories(old.getParent());
        Files.writeString(old, "#!/bin/sh\necho 'openjdk version \"1.8.0_392\"' >&2\n");
        assertTrue(old.toFile().setExecutable(true));
        final ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/cairn").toString(), "--version");
        builder.environment().put("JAVA_HOME", old.getParent().getParent().toString());
        final Process refused = run(builder);
        final String out = output(refused);
        assertEquals(1, refused.exitValue(), out);
        assertTrue(out.contains("cairn: needs Java 17 or later, but " + old + " is version 1.8.0_392"), out);
    }

    @Test
    void shouldRunTheGatewayAsTheJvmItselfUntilSigterm() throws Exception {
        final int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        final ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/cairn").toString(),
                "--web.listen-address=127.0.0.1:" + port, "--persistence.file=" + dir.resolve("state"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("gateway.log").toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("CAIRN_JAVA_OPTS", "-Xmx128m");
        process = builder.start();
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        int status = 0;
        while (status != 200 && System.nanoTime() < deadline) {
            assertTrue(process.isAlive(), "the gateway exited: " + log());
            try {
                status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                Thread.sleep(50); // not listening yet
            }
        }
        assertEquals(200, status, log());
        // exec: the launcher's pid is the JVM's, so systemd's MAINPID and signals reach the gateway
        final String command = process.info().command().orElse("");
        assertTrue(command.endsWith(File.separator + "java"), command);
        process.destroy();
        assertTrue(process.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "stops on SIGTERM");
        assertEquals(0, process.exitValue(), log());
    }

    @Test
    void shouldShipUnitsThatSystemdAnalyzeAccepts() throws Exception {
        assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed");
        final Path units = Files.createDirectories(dir.resolve("units"));
        // the unit names /opt/cairn, where docs/operations.md installs it; here it is the unpacked archive
        for (String unit : List.of("cairn.service", "cairn.socket")) {
            Files.writeString(units.resolve(unit), Files.readString(home.resolve("systemd").resolve(unit))
                    .replace("/opt/cairn/", home + "/"));
        }
        final Process verify = run(List.of("systemd-analyze", "verify", units.resolve("cairn.service").toString(),
                units.resolve("cairn.socket").toString()));
        final String out = output(verify);
        assertEquals(0, verify.exitValue(), out);
        assertFalse(out.contains("Unknown") || out.contains("ignoring") || out.contains("Invalid"), out);
    }

    private Process run(List<String> command) throws Exception {
        return run(new ProcessBuilder(command));
    }

    private Process run(ProcessBuilder builder) throws Exception {
        final Path out = Files.createTempFile(dir, "out", ".txt");
        final Process p = builder.redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("did not finish: " + builder.command());
        }
        Files.move(out, dir.resolve("out-" + p.pid() + ".txt"));
        return p;
    }

    private String output(Process p) throws IOException {
        return Files.readString(dir.resolve("out-" + p.pid() + ".txt"), StandardCharsets.UTF_8);
    }

    private String log() throws IOException {
        final Path log = dir.resolve("gateway.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    private static boolean onPath(String program) {
        for (String path : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(path, program))) {
                return true;
            }
        }
        return false;
    }
}
