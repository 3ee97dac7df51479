package io.cairn.server;

import io.cairn.core.journal.CorruptStateException;
import io.cairn.core.journal.JournalFiles;
import io.cairn.core.store.StoreJournal;
import io.cairn.server.auth.WebConfigException;
import io.cairn.server.auth.WebSecurity;
import io.cairn.server.http.Routes;
import io.cairn.server.http.Switches;
import io.cairn.server.log.Log;
import io.cairn.server.migrate.Migrate;
import io.cairn.server.selfmetrics.SelfMetrics;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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
        if (args.length > 0 && args[0].equals("migrate")) {
            System.exit(Migrate.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        final Flags flags = parseOrExit(args);
        final Log log = Log.create(flags.logLevel(), flags.logFormat());
        final WebSecurity web;
        try {
            web = WebSecurity.load(flags.webConfigFile()).onTlsError((address, e) ->
                    log.debug("TLS handshake error", "source", String.valueOf(address), "err", e.getMessage()));
        } catch (WebConfigException e) {
            log.error("invalid --web.config.file; not starting", "file", flags.webConfigFile(), "err", e.getMessage());
            System.exit(1);
            return;
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

        final Switches switches = new Switches(flags.enableLifecycle(), flags.enableAdminApi(),
                !flags.disableConsistencyCheck(), flags.enableUtf8Names(), flags.enableOpenMetrics());
        final CairnServer server = new CairnServer(log, new Routes(flags.routePrefix(), flags.telemetryPath()),
                switches, flags.limits(), flags.statusFlags(), statusBuildInformation(build),
                new SelfMetrics(build.get("version"), build.get("revision"), build.get("branch")));
        server.web(web);
        log.info(web.tlsEnabled() ? "TLS is enabled." : "TLS is disabled.", "http2", false);
        final List<InetSocketAddress> addresses = socketAddresses(flags.listenAddresses());
        try {
            if (flags.persistenceFile().isEmpty()) {
                server.start(addresses);
            } else {
                server.start(addresses, journal(flags, log));
            }
        } catch (CorruptStateException e) {
            log.error("cannot load the persisted metrics; not starting", "file", e.file().toString(), "offset",
                    Long.toString(e.offset()), "err", e.getMessage());
            server.stop();
            System.exit(1);
        } catch (IOException e) {
            log.error("cannot read or write the persistence files; not starting", "file", flags.persistenceFile(),
                    "err", String.valueOf(e));
            server.stop();
            System.exit(1);
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

    /** The journal of {@code --persistence.file}, reporting to the log. */
    private static StoreJournal journal(Flags flags, Log log) {
        final JournalFiles files = new JournalFiles(Path.of(flags.persistenceFile()));
        log.info("loading persisted metrics", "file", files.snapshot().toString(), "sync",
                flags.persistenceSync().flagValue());
        return new StoreJournal(files, flags.persistenceSync(), flags.persistenceIntervalMs() * 1_000_000L,
                new StoreJournal.Events() {
                    @Override
                    public void loadProgress(long groups, long totalGroups, long commands, long bytes, long elapsedNs) {
                        log.info("loading persisted metrics", "groups", groups + " of " + totalGroups,
                                "journal_commands", Long.toString(commands), "mb_per_s",
                                String.format(Locale.ROOT, "%.1f", bytes / 1e6 / Math.max(1e-9, elapsedNs / 1e9)));
                    }

                    @Override
                    public void loaded(long groups, long commands, long bytes, long elapsedNs) {
                        log.info("persisted metrics loaded", "snapshot_groups", Long.toString(groups),
                                "journal_commands", Long.toString(commands), "bytes", Long.toString(bytes),
                                "seconds", String.format(Locale.ROOT, "%.3f", elapsedNs / 1e9));
                    }

                    @Override
                    public void tornTail(String file, long offset, long bytes) {
                        log.warn("the journal ends in an incomplete record (a write cut short by a crash); cutting it"
                                + " off", "file", file, "offset", Long.toString(offset), "bytes", Long.toString(bytes));
                    }

                    @Override
                    public void snapshotWritten(String file, long groups, long sequence, long elapsedNs) {
                        log.info("snapshot written", "file", file, "groups", Long.toString(groups), "seconds",
                                String.format(Locale.ROOT, "%.3f", elapsedNs / 1e9));
                    }

                    @Override
                    public void failed(String what, Exception e) {
                        log.error("persistence failed: " + what, "err", String.valueOf(e));
                    }
                });
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
