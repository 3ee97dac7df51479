package io.cairn.server;

import io.cairn.server.http.Routes;
import io.cairn.server.http.Switches;
import io.cairn.server.log.Log;
import io.cairn.server.selfmetrics.SelfMetrics;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code cairn} command: parses the flags ({@link Flags}), answers {@code --help} and {@code --version}, then
 * runs a {@link CairnServer} until {@code /-/quit}, SIGINT or SIGTERM.
 */
public final class CairnMain {

    private CairnMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        final Flags flags = parseOrExit(args);
        final Log log = Log.create(flags.logLevel(), flags.logFormat());
        if (!flags.webConfigFile().isEmpty()) {
            log.error("--web.config.file is not supported yet (TLS and basic auth come in a later version); refusing"
                    + " to start rather than serve without the protection the file asks for",
                    "file", flags.webConfigFile());
            System.exit(1);
        }
        final Map<String, String> build = Flags.buildInformation();
        log.info("starting cairn", "version", build.get("version"), "revision", build.get("revision"),
                "java", build.get("javaVersion"));
        log.debug("external URL", "url", flags.externalUrl());
        log.debug("path prefix for internal routing", "path", flags.routePrefix());
        if (flags.systemdSocket()) {
            log.warn("--web.systemd-socket is not supported yet (systemd integration comes in a later version);"
                    + " listening on --web.listen-address instead", "address", String.join(",", flags.listenAddresses()));
        }
        if (!flags.persistenceFile().isEmpty()) {
            log.warn("persistence is not implemented yet: nothing is written to the persistence file and the store"
                    + " starts empty", "file", flags.persistenceFile());
        }

        final Switches switches = new Switches(flags.enableLifecycle(), flags.enableAdminApi(),
                !flags.disableConsistencyCheck(), flags.enableUtf8Names(), flags.enableOpenMetrics());
        final CairnServer server = new CairnServer(log, new Routes(flags.routePrefix(), flags.telemetryPath()),
                switches, flags.statusFlags(), statusBuildInformation(build),
                new SelfMetrics(build.get("version"), build.get("revision"), build.get("branch")));
        try {
            server.start(socketAddresses(flags.listenAddresses()));
        } catch (Exception e) {
            log.error("cannot listen", "address", String.join(",", flags.listenAddresses()), "err", String.valueOf(e));
            server.stop();
            System.exit(1);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("received a termination signal, stopping gracefully");
            server.stop();
        }, "cairn-shutdown"));
        server.awaitQuitOrStop();
        log.info("stopping cairn");
        server.stop();
        System.exit(0);
    }

    /** The keys of the Pushgateway's {@code build_information}, {@code goVersion} naming the Java runtime. */
    static Map<String, String> statusBuildInformation(Map<String, String> build) {
        final Map<String, String> info = new TreeMap<>();
        for (String key : List.of("branch", "buildDate", "buildUser", "revision", "version")) {
            info.put(key, build.get(key));
        }
        info.put("goVersion", "java" + build.get("javaVersion"));
        return info;
    }

    /** The flags, or the end of the program with kingpin's output and exit code. */
    static Flags parseOrExit(String[] args) {
        try {
            return Flags.parse(args);
        } catch (FlagsException e) {
            System.exit(report(e, System.out, System.err));
            throw new AssertionError("unreachable");
        }
    }

    /** Prints what the command line asked for (help, version or a usage error) and returns the exit code. */
    static int report(FlagsException e, PrintStream out, PrintStream err) {
        final PrintStream stream = e.stream() == FlagsException.Stream.STDOUT ? out : err;
        stream.println(e.getMessage());
        stream.flush();
        return e.exitCode();
    }

    /** {@code :9091} (all interfaces), {@code host:9091}, {@code [::1]:9091}, as Go's {@code net.Listen}. */
    static List<InetSocketAddress> socketAddresses(List<String> listenAddresses) {
        final List<InetSocketAddress> addresses = new ArrayList<>();
        for (String address : listenAddresses) {
            final int colon = address.lastIndexOf(':');
            String host = colon < 0 ? "" : address.substring(0, colon);
            final int port = Integer.parseInt(colon < 0 ? address : address.substring(colon + 1));
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            addresses.add(host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port));
        }
        return addresses;
    }
}
