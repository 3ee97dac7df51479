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
import io.cairn.server.systemd.Signals;
import io.cairn.server.systemd.SocketActivation;
import io.cairn.server.systemd.SystemdNotifier;

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
 * runs a {@link CairnServer} until {@code /-/quit}, SIGINT or SIGTERM (then exits 0 after an orderly stop). SIGHUP
 * reloads {@code --web.config.file}. Under systemd it notifies readiness, stopping and the watchdog
 * ({@link SystemdNotifier}) and, with {@code --web.systemd-socket}, serves on the sockets systemd passed.
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
            web = loadWeb(flags.webConfigFile(), log);
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
        final Map<String, String> env = System.getenv();
        final long pid = ProcessHandle.current().pid();
        final Listeners listeners;
        if (flags.systemdSocket()) {
            // exporter-toolkit's words (web.ListenAndServe); the Pushgateway then exits 0, Cairn exits 1 so that
            // systemd sees a failed start
            log.info("Listening on systemd activated listeners instead of port listeners.");
            final List<Integer> fds = SocketActivation.listenFds(env, pid);
            if (fds.isEmpty()) {
                log.error("HTTP server stopped", "err", SocketActivation.NO_SOCKETS);
                System.exit(1);
            }
            listeners = new Listeners(List.of(), fds);
        } else {
            listeners = new Listeners(socketAddresses(flags.listenAddresses()), List.of());
        }

        final Switches switches = new Switches(flags.enableLifecycle(), flags.enableAdminApi(),
                !flags.disableConsistencyCheck(), flags.enableUtf8Names(), flags.enableOpenMetrics());
        final CairnServer server = new CairnServer(log, new Routes(flags.routePrefix(), flags.telemetryPath()),
                switches, flags.limits(), flags.statusFlags(), statusBuildInformation(build),
                new SelfMetrics(build.get("version"), build.get("revision"), build.get("branch")));
        server.web(web);
        log.info(web.tlsEnabled() ? "TLS is enabled." : "TLS is disabled.", "http2", false);
        final SystemdNotifier systemd = SystemdNotifier.fromEnvironment(env, pid, log);
        systemd.watchdogCheck(server::responsive);
        final boolean signals = Signals.handle("TERM", () -> stopOnSignal(log, server))
                & Signals.handle("INT", () -> stopOnSignal(log, server))
                & Signals.handle("HUP", () -> reload(flags.webConfigFile(), server, log, systemd));
        if (!signals) {
            log.warn("cannot handle signals; SIGHUP will not reload --web.config.file");
        }
        try {
            if (flags.persistenceFile().isEmpty()) {
                server.start(listeners);
            } else {
                systemd.status("loading persisted metrics");
                server.start(listeners, journal(flags, log, systemd));
            }
        } catch (CorruptStateException e) {
            log.error("cannot load the persisted metrics; not starting", "file", e.file().toString(), "offset",
                    Long.toString(e.offset()), "err", e.getMessage());
            exitAfterFailedStart(server, systemd);
        } catch (IOException e) {
            log.error("cannot read or write the persistence files; not starting", "file", flags.persistenceFile(),
                    "err", String.valueOf(e));
            exitAfterFailedStart(server, systemd);
        } catch (Exception e) {
            log.error("cannot listen", "address", listenDescription(flags, listeners), "err", String.valueOf(e));
            exitAfterFailedStart(server, systemd);
        }
        // a signal may have asked for a stop while the store was loading: then there is nothing to announce
        if (!server.stopRequested()) {
            systemd.ready("serving " + server.groupCount() + " groups");
        }
        // kept for stops the signal handlers do not see (System.exit elsewhere, or signals not handled)
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            systemd.stopping();
            server.stop();
        }, "cairn-shutdown"));
        server.awaitQuitOrStop();
        log.info("stopping cairn");
        systemd.stopping();
        server.stop();
        systemd.close();
        System.exit(0);
    }

    private static void stopOnSignal(Log log, CairnServer server) {
        log.info("received a termination signal, stopping gracefully");
        server.requestStop();
    }

    /**
     * SIGHUP: reads and checks {@code --web.config.file} again. A good file applies to connections accepted from now
     * on; a bad one is logged and the configuration in use stays.
     */
    static synchronized void reload(String file, CairnServer server, Log log, SystemdNotifier systemd) {
        if (file.isEmpty()) {
            log.info("received SIGHUP; there is no --web.config.file to reload");
            return;
        }
        try {
            final WebSecurity web = loadWeb(file, log);
            server.web(web);
            log.info("web config reloaded; new connections use it", "file", file, "tls", web.tlsEnabled(),
                    "basic_auth_users", web.config().users().size());
            systemd.status("serving " + server.groupCount() + " groups; web config reloaded");
        } catch (WebConfigException e) {
            log.error("cannot reload --web.config.file; keeping the configuration in use", "file", file, "err",
                    e.getMessage());
            systemd.status("serving " + server.groupCount() + " groups; web config reload failed: "
                    + e.getMessage());
        }
    }

    /** {@code --web.config.file} read and checked, its failed TLS handshakes logged at debug as Go logs them. */
    private static WebSecurity loadWeb(String file, Log log) throws WebConfigException {
        return WebSecurity.load(file).onTlsError((address, e) ->
                log.debug("TLS handshake error", "source", String.valueOf(address), "err", e.getMessage()));
    }

    private static void exitAfterFailedStart(CairnServer server, SystemdNotifier systemd) {
        server.stop();
        systemd.close();
        System.exit(1);
    }

    private static String listenDescription(Flags flags, Listeners listeners) {
        return listeners.inheritedFds().isEmpty() ? String.join(",", flags.listenAddresses())
                : "systemd sockets " + listeners.inheritedFds();
    }

    /** The journal of {@code --persistence.file}, reporting to the log. */
    private static StoreJournal journal(Flags flags, Log log, SystemdNotifier systemd) {
        final JournalFiles files = new JournalFiles(Path.of(flags.persistenceFile()));
        log.info("loading persisted metrics", "file", files.snapshot().toString(), "sync",
                flags.persistenceSync().flagValue());
        return new StoreJournal(files, flags.persistenceSync(), flags.persistenceIntervalMs() * 1_000_000L,
                new StoreJournal.Events() {
                    @Override
                    public void loadProgress(long groups, long totalGroups, long commands, long bytes, long elapsedNs) {
                        systemd.status("loading persisted metrics: " + groups + " of " + totalGroups + " groups");
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
