package io.cairn.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.server.log.Log;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FlagsTest {

    private static Flags parse(String... args) throws FlagsException {
        return Flags.parse(args, () -> "testhost");
    }

    private static FlagsException failure(String... args) {
        return assertThrows(FlagsException.class, () -> parse(args), String.join(" ", args));
    }

    @Test
    void shouldUseUpstreamDefaults() throws FlagsException {
        final Flags flags = parse();
        assertEquals(List.of(":9091"), flags.listenAddresses());
        assertFalse(flags.systemdSocket());
        assertEquals("", flags.webConfigFile());
        assertEquals("/metrics", flags.telemetryPath());
        assertEquals("http://testhost:9091/", flags.externalUrl());
        assertEquals("", flags.routePrefix());
        assertFalse(flags.enableLifecycle());
        assertFalse(flags.enableAdminApi());
        assertEquals("", flags.persistenceFile());
        assertEquals(300_000L, flags.persistenceIntervalMs());
        assertFalse(flags.disableConsistencyCheck());
        assertFalse(flags.enableUtf8Names());
        assertEquals(Log.Level.INFO, flags.logLevel());
        assertEquals(Log.Format.LOGFMT, flags.logFormat());
    }

    @Test
    void shouldShowStatusFlagsAsUpstream() throws FlagsException {
        // /api/v1/status of prometheus-pushgateway 1.5.1 with the same flags, minus Debian's web.local-assets,
        // plus push.enable-utf8-names (1.11.0)
        final Map<String, String> expected = new LinkedHashMap<>();
        expected.put("log.format", "logfmt");
        expected.put("log.level", "info");
        expected.put("persistence.file", "");
        expected.put("persistence.interval", "1h30m0s");
        expected.put("persistence.sync", "write"); // ours
        expected.put("push.disable-consistency-check", "false");
        expected.put("push.enable-utf8-names", "false");
        expected.put("push.max-body-bytes", "67108864"); // ours, to web.max-connections
        expected.put("push.max-label-name-length", "1024");
        expected.put("push.max-label-value-length", "65536");
        expected.put("push.max-labels", "128");
        expected.put("push.max-metric-name-length", "1024");
        expected.put("push.max-series", "1000000");
        expected.put("store.max-groups", "1000000");
        expected.put("store.max-series", "10000000");
        expected.put("web.config.file", "");
        expected.put("web.enable-admin-api", "false");
        expected.put("web.enable-lifecycle", "false");
        expected.put("web.enable-openmetrics", "false"); // ours: listed like every other flag
        expected.put("web.external-url", "");
        expected.put("web.idle-timeout", "5m");
        expected.put("web.listen-address", "127.0.0.1:19600,127.0.0.1:19602");
        expected.put("web.max-connections", "10000");
        expected.put("web.max-header-bytes", "1048576");
        expected.put("web.read-timeout", "1m");
        expected.put("web.route-prefix", "");
        expected.put("web.systemd-socket", "false");
        expected.put("web.telemetry-path", "/metrics");
        final Flags flags = parse("--web.listen-address=127.0.0.1:19600", "--web.listen-address", "127.0.0.1:19602",
                "--persistence.file=", "--persistence.interval=90m");
        assertEquals(List.copyOf(expected.entrySet()), List.copyOf(flags.statusFlags().entrySet()));
        assertThrows(UnsupportedOperationException.class, () -> flags.statusFlags().put("x", "y"));
    }

    @Test
    void shouldShowEffectiveRoutePrefixInStatus() throws FlagsException {
        final Flags flags = parse("--web.listen-address=127.0.0.1:19600", "--web.external-url=http://x.example/pg/");
        assertEquals("/pg", flags.routePrefix());
        assertEquals("http://x.example/pg/", flags.externalUrl());
        assertEquals("/pg", flags.statusFlags().get("web.route-prefix"));
        assertEquals("http://x.example/pg/", flags.statusFlags().get("web.external-url"));
        assertEquals("5m0s", flags.statusFlags().get("persistence.interval"));
    }

    @Test
    void shouldAcceptKingpinSyntax() throws FlagsException {
        final Flags flags = parse("--web.telemetry-path", "/m", "--web.route-prefix=/rp/", "--web.enable-lifecycle",
                "--no-web.enable-admin-api", "--push.disable-consistency-check=true", "--push.enable-utf8-names=false",
                "--persistence.file", "/tmp/p", "--persistence.interval=1h30m", "--log.level", "debug",
                "--log.format=json", "--web.config.file=web.yml", "--web.systemd-socket");
        assertEquals("/m", flags.telemetryPath());
        assertEquals("/rp", flags.routePrefix());
        assertTrue(flags.enableLifecycle());
        assertFalse(flags.enableAdminApi());
        assertTrue(flags.disableConsistencyCheck());
        assertFalse(flags.enableUtf8Names());
        assertEquals("/tmp/p", flags.persistenceFile());
        assertEquals(5_400_000L, flags.persistenceIntervalMs());
        assertEquals(Log.Level.DEBUG, flags.logLevel());
        assertEquals(Log.Format.JSON, flags.logFormat());
        assertEquals("web.yml", flags.webConfigFile());
        assertTrue(flags.systemdSocket());
        assertEquals("true", flags.statusFlags().get("web.enable-lifecycle"));
    }

    @Test
    void shouldTakeExternalUrlPortFromFirstListenAddress() throws FlagsException {
        assertEquals("http://testhost:19600/", parse("--web.listen-address=127.0.0.1:19600",
                "--web.listen-address=:1").externalUrl());
        assertEquals("http://testhost:9092/", parse("--web.listen-address=[::1]:9092").externalUrl());
        assertEquals("/ext", parse("--web.external-url=https://h/ext/").routePrefix());
        assertEquals("/rp", parse("--web.external-url=https://h/ext/", "--web.route-prefix=rp").routePrefix());
        assertEquals("/foo/bar", parse("--web.external-url=foo/bar").routePrefix());
        assertEquals("", parse("--web.external-url=http://h").routePrefix());
        assertEquals("/a b", parse("--web.external-url=http://h/a%20b/").routePrefix());
    }

    static Stream<Arguments> routePrefixes() {
        return Stream.of(
                Arguments.of("", "", ""),
                Arguments.of("/", "", ""),
                Arguments.of("/", "/ext", ""),
                Arguments.of("pg", "", "/pg"),
                Arguments.of("/pg/", "", "/pg"),
                Arguments.of("//pg//", "", "/pg"),
                Arguments.of("/a/b/", "", "/a/b"),
                Arguments.of("", "/ext/", "/ext"),
                Arguments.of("", "/", ""),
                Arguments.of("/rp", "/ext", "/rp"));
    }

    @ParameterizedTest
    @MethodSource("routePrefixes")
    void shouldComputeRoutePrefixAsUpstream(String routePrefix, String externalUrlPath, String expected) {
        assertEquals(expected, Flags.computeRoutePrefix(routePrefix, externalUrlPath));
    }

    /** Each row checked against prometheus-pushgateway 1.5.1 (with its program name). */
    static Stream<Arguments> usageErrors() {
        return Stream.of(
                error("unknown long flag '--foo'", "--foo"),
                error("unknown long flag '--foo'", "--help", "--foo"),
                error("unknown long flag '--foo'", "--foo", "--version"),
                error("unknown long flag '--no-web.telemetry-path'", "--no-web.telemetry-path"),
                error("unknown short flag '-x'", "-x"),
                error("unknown short flag '-x'", "-hx"),
                error("unknown short flag '-'", "-"),
                error("unexpected extra", "extra"),
                error("unexpected --web.listen-address=127.0.0.1:19601", "--", "--web.listen-address=127.0.0.1:19601"),
                error("unexpected foo", "--web.enable-lifecycle=foo"),
                error("unexpected 1", "--web.enable-lifecycle=1"),
                error("unexpected ", "--web.enable-lifecycle="),
                error("unexpected yes", "--push.disable-consistency-check=yes"),
                error("unexpected true", "--no-web.enable-lifecycle=true"),
                error("expected argument for flag '--web.listen-address'", "--web.listen-address"),
                error("expected argument for flag '--web.telemetry-path'", "--web.telemetry-path"),
                error("expected argument for flag '--web.route-prefix'", "--web.route-prefix", "--web.enable-lifecycle"),
                error("flag 'web.telemetry-path' cannot be repeated", "--web.telemetry-path=/a", "--web.telemetry-path=/b"),
                error("unknown long flag '--foo'", "--web.telemetry-path=/a", "--web.telemetry-path=/b", "--foo"),
                error("flag 'web.enable-lifecycle' cannot be repeated", "--web.enable-lifecycle",
                        "--no-web.enable-lifecycle"),
                error("time: unknown unit \"x\" in duration \"5x\"", "--persistence.interval=5x"),
                error("time: unknown unit \"d\" in duration \"1d\"", "--persistence.interval=1d"),
                error("time: missing unit in duration \"5\"", "--persistence.interval=5"),
                error("time: unknown unit \"e\" in duration \"1e3s\"", "--persistence.interval=1e3s"),
                error("time: invalid duration \"\"", "--persistence.interval="),
                error("time: unknown unit \"x\" in duration \"5x\"", "--persistence.interval=5x", "--log.level=bad"),
                error("unrecognized log level \"bad\"", "--log.level=bad", "--persistence.interval=5x"),
                error("unrecognized log level \"DEBUG\"", "--log.level=DEBUG"),
                error("unrecognized log format \"xml\"", "--log.format=xml"),
                error("unrecognized sync policy \"always\" (one of: write, fsync)", "--persistence.sync=always"),
                error("invalid URL: parse \"::bad\": missing protocol scheme", "--web.external-url=::bad"));
    }

    @ParameterizedTest
    @MethodSource("usageErrors")
    void shouldRejectLikeKingpin(String reason, String[] args) {
        final FlagsException e = failure(args);
        assertEquals("cairn: error: " + reason + ", try --help", e.getMessage());
        assertEquals(1, e.exitCode());
        assertEquals(FlagsException.Stream.STDERR, e.stream());
    }

    @Test
    void shouldPrintHelpBeforeCheckingValues() {
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"-h"}, new String[] {"--log.level=bad", "-h"},
                new String[] {"--web.telemetry-path=/a", "--help", "--web.telemetry-path=/b"})) {
            final FlagsException e = failure(args);
            assertEquals(0, e.exitCode());
            assertEquals(FlagsException.Stream.STDOUT, e.stream());
            assertEquals(Flags.helpText(), e.getMessage());
        }
    }

    @Test
    void shouldListEveryFlagWithDefaultInHelp() {
        final String help = Flags.helpText();
        assertTrue(help.startsWith("usage: cairn [<flags>]\n\n"), help);
        for (Flags.Flag flag : Flags.FLAGS) {
            assertTrue(help.contains("--" + flag.name), flag.name);
        }
        for (String usage : List.of("  -h, --help ", "      --web.listen-address=:9091 ...  \n",
                "      --web.telemetry-path=\"/metrics\"  \n", "      --web.config.file=\"\" ",
                "      --web.external-url= ", "      --persistence.interval=5m  ", "      --log.level=info ",
                "      --log.format=logfmt ", "      --web.enable-lifecycle ", "      --version ")) {
            assertTrue(help.contains(usage), usage);
        }
        for (String line : help.split("\n")) {
            assertTrue(line.length() <= 80 || line.endsWith("  "), line);
        }
    }

    @Test
    void shouldPrintVersionWhereItStands() {
        for (String[] args : List.of(new String[] {"--version"}, new String[] {"--version", "--foo"},
                new String[] {"--log.level=bad", "--version"}, new String[] {"--help", "--version"})) {
            final FlagsException e = failure(args);
            assertEquals(0, e.exitCode());
            assertEquals(FlagsException.Stream.STDOUT, e.stream());
            assertEquals(Flags.versionText(), e.getMessage());
        }
        final String[] lines = Flags.versionText().split("\n");
        assertEquals(5, lines.length);
        assertTrue(lines[0].matches("cairn, version \\S+ \\(branch: \\S+, revision: \\S+\\)"), lines[0]);
        assertTrue(lines[1].startsWith("  build user:       "), lines[1]);
        assertTrue(lines[2].startsWith("  build date:       "), lines[2]);
        assertEquals("  java version:     " + System.getProperty("java.version"), lines[3]);
        assertTrue(lines[4].startsWith("  platform:         "), lines[4]);
        assertFalse(Flags.versionText().contains("${"));
        assertEquals(List.of("version", "revision", "branch", "buildUser", "buildDate", "javaVersion"),
                List.copyOf(Flags.buildInformation().keySet()));
    }

    /** Go's time.Duration.String() (rows from Go's time_test.go). */
    static Stream<Arguments> durationStrings() {
        return Stream.of(
                Arguments.of(0L, "0s"),
                Arguments.of(1L, "1ns"),
                Arguments.of(1_100L, "1.1µs"),
                Arguments.of(2_200_000L, "2.2ms"),
                Arguments.of(3_300_000_000L, "3.3s"),
                Arguments.of(245_000_000_000L, "4m5s"),
                Arguments.of(245_001_000_000L, "4m5.001s"),
                Arguments.of(18_367_001_000_000L, "5h6m7.001s"),
                Arguments.of(480_000_000_001L, "8m0.000000001s"),
                Arguments.of(300_000_000_000L, "5m0s"),
                Arguments.of(5_400_000_000_000L, "1h30m0s"),
                Arguments.of(86_400_000_000_000L, "24h0m0s"),
                Arguments.of(500_000_000L, "500ms"),
                Arguments.of(-300_000_000_000L, "-5m0s"),
                Arguments.of(Long.MAX_VALUE, "2562047h47m16.854775807s"),
                Arguments.of(Long.MIN_VALUE, "-2562047h47m16.854775808s"));
    }

    @ParameterizedTest
    @MethodSource("durationStrings")
    void shouldFormatDurationsAsGo(long ns, String expected) {
        assertEquals(expected, Flags.formatGoDuration(ns));
    }

    /** Go's time.ParseDuration (rows from Go's time_test.go). */
    static Stream<Arguments> durations() {
        return Stream.of(
                Arguments.of("0", 0L), Arguments.of("5s", 5_000_000_000L), Arguments.of("30s", 30_000_000_000L),
                Arguments.of("1478s", 1_478_000_000_000L), Arguments.of("-5s", -5_000_000_000L),
                Arguments.of("+5s", 5_000_000_000L), Arguments.of("-0", 0L), Arguments.of("+0", 0L),
                Arguments.of("5.0s", 5_000_000_000L), Arguments.of("5.6s", 5_600_000_000L),
                Arguments.of("5.s", 5_000_000_000L), Arguments.of(".5s", 500_000_000L),
                Arguments.of("1.004s", 1_004_000_000L), Arguments.of("100.00100s", 100_001_000_000L),
                Arguments.of("10ns", 10L), Arguments.of("11us", 11_000L), Arguments.of("12µs", 12_000L),
                Arguments.of("12μs", 12_000L), Arguments.of("13ms", 13_000_000L), Arguments.of("15m", 900_000_000_000L),
                Arguments.of("16h", 57_600_000_000_000L), Arguments.of("3h30m", 12_600_000_000_000L),
                Arguments.of("10.5s4m", 250_500_000_000L), Arguments.of("-2m3.4s", -123_400_000_000L),
                Arguments.of("1h2m3s4ms5us6ns", 3_723_004_005_006L), Arguments.of("39h9m14.425s", 140_954_425_000_000L),
                Arguments.of("0.3333333333333333333h", 1_200_000_000_000L),
                Arguments.of("9007199254740993ns", 9_007_199_254_740_993L),
                Arguments.of("9223372036854775807ns", Long.MAX_VALUE),
                Arguments.of("9223372036854775.807us", Long.MAX_VALUE),
                Arguments.of("9223372036s854ms775us807ns", Long.MAX_VALUE),
                Arguments.of("-9223372036854775808ns", Long.MIN_VALUE),
                Arguments.of("-9223372036854775.808us", Long.MIN_VALUE),
                Arguments.of("-2562047h47m16.854775808s", Long.MIN_VALUE),
                Arguments.of("0.100000000000000000000h", 360_000_000_000L),
                Arguments.of("0.830103483285477580700h", 2_988_372_539_827L));
    }

    @ParameterizedTest
    @MethodSource("durations")
    void shouldParseDurationsAsGo(String text, long expectedNs) throws FlagsException {
        assertEquals(expectedNs, Flags.parseGoDuration(text));
    }

    static Stream<Arguments> badDurations() {
        return Stream.of(
                Arguments.of("", "time: invalid duration \"\""),
                Arguments.of("3", "time: missing unit in duration \"3\""),
                Arguments.of("-", "time: invalid duration \"-\""),
                Arguments.of("s", "time: invalid duration \"s\""),
                Arguments.of(".", "time: invalid duration \".\""),
                Arguments.of("-.", "time: invalid duration \"-.\""),
                Arguments.of(".s", "time: invalid duration \".s\""),
                Arguments.of("+.s", "time: invalid duration \"+.s\""),
                Arguments.of("1d", "time: unknown unit \"d\" in duration \"1d\""),
                Arguments.of("1µ", "time: unknown unit \"\\xc2\\xb5\" in duration \"1\\xc2\\xb5\""),
                Arguments.of("9223372036854775808ns", "time: invalid duration \"9223372036854775808ns\""),
                Arguments.of("9223372036854775.808us", "time: invalid duration \"9223372036854775.808us\""),
                Arguments.of("9223372036854ms775us808ns", "time: invalid duration \"9223372036854ms775us808ns\""),
                Arguments.of("-9223372036854775809ns", "time: invalid duration \"-9223372036854775809ns\""));
    }

    @ParameterizedTest
    @MethodSource("badDurations")
    void shouldRejectDurationsAsGo(String text, String reason) {
        final FlagsException e = assertThrows(FlagsException.class, () -> Flags.parseGoDuration(text));
        assertEquals("cairn: error: " + reason + ", try --help", e.getMessage());
    }

    @Test
    void shouldReportExitsOnTheirStreams() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        final PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(1, CairnMain.report(failure("--foo"), outStream, errStream));
        assertEquals("cairn: error: unknown long flag '--foo', try --help\n", err.toString(StandardCharsets.UTF_8));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertEquals(0, CairnMain.report(failure("--version"), outStream, errStream));
        assertEquals(Flags.versionText() + "\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldTurnListenAddressesIntoSocketAddresses() {
        assertEquals(List.of(new InetSocketAddress(9091), new InetSocketAddress("127.0.0.1", 19600),
                        new InetSocketAddress("::1", 9092)),
                CairnMain.socketAddresses(List.of(":9091", "127.0.0.1:19600", "[::1]:9092")));
    }

    private static Arguments error(String reason, String... args) {
        return Arguments.of(reason, args);
    }
}
