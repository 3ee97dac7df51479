package io.cairn.server;

import io.cairn.core.journal.SyncPolicy;
import io.cairn.core.model.GoStrings;
import io.cairn.server.http.Limits;

import io.cairn.server.log.Log;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The command line, parsed as the Go Pushgateway's kingpin parser does, with the same flag names and defaults.
 * Immutable.
 *
 * <p>Syntax: {@code --flag=value}, {@code --flag value}, {@code --bool} and {@code --no-bool}; {@code -h};
 * {@code --} ends the flags (and anything after it is an error, as there are no arguments). Cairn also accepts
 * {@code --bool=true} and {@code --bool=false}, which kingpin refuses ({@code unexpected true}). Order of checks,
 * as kingpin: the arguments from left to right (unknown flags, missing values, stray arguments; {@code --version}
 * ends the program where it stands), then {@code --help}, then the values from left to right (repeated flags,
 * bad durations, URLs, levels). Only {@code --web.listen-address} may be repeated; giving it replaces the default.
 */
public final class Flags {
    static final String PROGRAM = "cairn";

    private static final String VERSION_RESOURCE = "version.properties";
    private static final String UNKNOWN = "unknown";
    /** Where kingpin puts the second column, and the width it wraps at (an 80-column terminal). */
    private static final int HELP_LEFT_COLUMN = 29;
    private static final int HELP_LEFT_COLUMN_LIMIT = 30;
    private static final int HELP_WIDTH = 80;

    /** The kind of value a flag takes; decides parsing, the {@code --help} placeholder and the status format. */
    enum Kind {
        BOOL,
        STRING,
        /** Repeatable; shown comma-separated on the status page, as kingpin's {@code Strings()} does. */
        STRINGS,
        /** Go's {@code time.ParseDuration} syntax, shown as Go's {@code Duration.String()}. */
        DURATION,
        URL,
        /** A value from a fixed list, such as the log level. */
        ENUM,
        /** A count or a size: a non-negative decimal integer; 0 turns the limit off. */
        INT
    }

    /** One flag of the command line. {@link #FLAGS} is shared by the parser and by {@code --help}. */
    static final class Flag {
        final String name;
        final Kind kind;
        final String defaultValue;
        final String help;
        /** Shown on the status page ({@code /api/v1/status}); kingpin's own flags are not. */
        final boolean status;

        Flag(String name, Kind kind, String defaultValue, String help, boolean status) {
            this.name = name;
            this.kind = kind;
            this.defaultValue = defaultValue;
            this.help = help;
            this.status = status;
        }

        /** The left column of {@code --help}, as kingpin formats it. */
        String usage() {
            final StringBuilder sb = new StringBuilder(name.equals(HELP) ? "-h, --" : "    --").append(name);
            switch (kind) {
                case BOOL:
                    break;
                case STRING:
                    sb.append('=').append(GoStrings.quote(defaultValue));
                    break;
                case STRINGS:
                    sb.append('=').append(defaultValue).append(" ...");
                    break;
                default:
                    sb.append('=').append(defaultValue);
            }
            return sb.toString();
        }
    }

    static final String HELP = "help";
    static final String VERSION = "version";
    static final String LISTEN_ADDRESS = "web.listen-address";
    static final String SYSTEMD_SOCKET = "web.systemd-socket";
    static final String CONFIG_FILE = "web.config.file";
    static final String TELEMETRY_PATH = "web.telemetry-path";
    static final String EXTERNAL_URL = "web.external-url";
    static final String ROUTE_PREFIX = "web.route-prefix";
    static final String ENABLE_LIFECYCLE = "web.enable-lifecycle";
    static final String ENABLE_ADMIN_API = "web.enable-admin-api";
    static final String ENABLE_OPENMETRICS = "web.enable-openmetrics";
    static final String PERSISTENCE_FILE = "persistence.file";
    static final String PERSISTENCE_INTERVAL = "persistence.interval";
    static final String PERSISTENCE_SYNC = "persistence.sync";
    static final String DISABLE_CONSISTENCY_CHECK = "push.disable-consistency-check";
    static final String ENABLE_UTF8_NAMES = "push.enable-utf8-names";
    static final String MAX_BODY_BYTES = "push.max-body-bytes";
    static final String MAX_SERIES_PER_PUSH = "push.max-series";
    static final String MAX_LABELS = "push.max-labels";
    static final String MAX_METRIC_NAME_BYTES = "push.max-metric-name-length";
    static final String MAX_LABEL_NAME_BYTES = "push.max-label-name-length";
    static final String MAX_LABEL_VALUE_BYTES = "push.max-label-value-length";
    static final String MAX_GROUPS = "store.max-groups";
    static final String MAX_SERIES = "store.max-series";
    static final String MAX_HEADER_BYTES = "web.max-header-bytes";
    static final String READ_TIMEOUT = "web.read-timeout";
    static final String IDLE_TIMEOUT = "web.idle-timeout";
    static final String MAX_CONNECTIONS = "web.max-connections";
    static final String LOG_LEVEL = "log.level";
    static final String LOG_FORMAT = "log.format";

    /** Every flag, in the order of the Go Pushgateway's {@code --help}. */
    static final List<Flag> FLAGS = List.of(
            new Flag(HELP, Kind.BOOL, "false", "Show this help and exit.", false),
            new Flag(SYSTEMD_SOCKET, Kind.BOOL, "false",
                    "Use the listening sockets passed by systemd socket activation (LISTEN_FDS) instead of"
                            + " opening --web.listen-address (Linux only).", true),
            new Flag(LISTEN_ADDRESS, Kind.STRINGS, ":9091",
                    "Address to listen on for pushes, scrapes, the API and the web UI, as [host]:port."
                            + " Repeat the flag to listen on several addresses.", true),
            new Flag(CONFIG_FILE, Kind.STRING, "",
                    "[EXPERIMENTAL] Path to a web configuration file (exporter-toolkit format, as the Pushgateway"
                            + " reads it) that can enable TLS, client certificates, basic authentication and extra"
                            + " response headers. Read once at start. Empty: plain HTTP, no authentication.",
                    true),
            new Flag(TELEMETRY_PATH, Kind.STRING, "/metrics",
                    "Path where the pushed metrics and Cairn's own metrics are scraped. Pushes always go to"
                            + " <prefix>/metrics/job/...", true),
            new Flag(EXTERNAL_URL, Kind.URL, "",
                    "The URL under which Cairn is reachable from outside, e.g. behind a reverse proxy. Its path"
                            + " is the default route prefix and is used for the web UI's links.", true),
            new Flag(ROUTE_PREFIX, Kind.STRING, "",
                    "Path prefix of all HTTP endpoints. Empty: the path of --web.external-url.", true),
            new Flag(ENABLE_LIFECYCLE, Kind.BOOL, "false",
                    "Allow shutting down with an HTTP PUT or POST to /-/quit.", true),
            new Flag(ENABLE_ADMIN_API, Kind.BOOL, "false",
                    "Enable admin endpoints such as PUT /api/v1/admin/wipe, which deletes all groups.", true),
            new Flag(ENABLE_OPENMETRICS, Kind.BOOL, "false",
                    "Answer scrapes that ask for OpenMetrics (Prometheus does by default) in OpenMetrics 1.0 text,"
                            + " with _created samples and exemplars. Off: such scrapes get text format 0.0.4, as"
                            + " from the Pushgateway.", true),
            new Flag(PERSISTENCE_FILE, Kind.STRING, "",
                    "File where the pushed metrics are kept across restarts: the latest snapshot of the whole store"
                            + " is this file, and a write-ahead journal of every change since then lives next to it"
                            + " (<file>.journal.<sequence>). Empty: metrics are kept in memory only and lost on"
                            + " restart.", true),
            new Flag(PERSISTENCE_INTERVAL, Kind.DURATION, "5m",
                    "How often a full snapshot is written (Go duration: 30s, 5m, 1h30m); the journal written"
                            + " since the previous one is then deleted. Pushes never wait for it.",
                    true),
            new Flag(PERSISTENCE_SYNC, Kind.ENUM, "write",
                    "When a push is acknowledged: after its change is written to the journal file (write: survives"
                            + " the gateway being killed), or also forced to the disk (fsync: survives a crash of the"
                            + " machine, costs a disk flush per batch of pushes). One of: [write, fsync]", true),
            new Flag(DISABLE_CONSISTENCY_CHECK, Kind.BOOL, "false",
                    "Answer pushes 202 as soon as they are queued, before they are checked and applied. Cairn"
                            + " still checks them when it applies them and drops (and records the failure of) an"
                            + " inconsistent push, so scrapes never break.",
                    true),
            new Flag(ENABLE_UTF8_NAMES, Kind.BOOL, "false",
                    "Accept U__-escaped UTF-8 label names in push URLs. Names in pushed text are still checked with"
                            + " the legacy rules.",
                    true),
            new Flag(MAX_BODY_BYTES, Kind.INT, "67108864",
                    "Largest push body, in bytes after gzip or snappy decompression; larger pushes are answered"
                            + " 413. 0: no limit.", true),
            new Flag(MAX_SERIES_PER_PUSH, Kind.INT, "1000000",
                    "Most series (metrics) one push may carry; more is answered 413. 0: no limit.", true),
            new Flag(MAX_LABELS, Kind.INT, "128",
                    "Most labels one pushed series may have, grouping labels included; more is answered 413."
                            + " 0: no limit.", true),
            new Flag(MAX_METRIC_NAME_BYTES, Kind.INT, "1024",
                    "Longest metric name in a push, in bytes; longer is answered 413. 0: no limit.", true),
            new Flag(MAX_LABEL_NAME_BYTES, Kind.INT, "1024",
                    "Longest label name in a push, in bytes; longer is answered 413. 0: no limit.", true),
            new Flag(MAX_LABEL_VALUE_BYTES, Kind.INT, "65536",
                    "Longest label value in a push, in bytes; longer is answered 413. 0: no limit.", true),
            new Flag(MAX_GROUPS, Kind.INT, "1000000",
                    "Most groups the store holds; a push that would create one more is answered 429 until groups"
                            + " are deleted. 0: no limit.", true),
            new Flag(MAX_SERIES, Kind.INT, "10000000",
                    "Most series the store holds; a push that would go beyond is answered 429. 0: no limit.",
                    true),
            new Flag(MAX_HEADER_BYTES, Kind.INT, "1048576",
                    "Largest request line (URL) and largest header block of a request, in bytes; larger is answered"
                            + " 431 (414 for a URL).", true),
            new Flag(READ_TIMEOUT, Kind.DURATION, "1m",
                    "Longest time from a request's first byte until it is fully received and answered; a slower"
                            + " client is disconnected.", true),
            new Flag(IDLE_TIMEOUT, Kind.DURATION, "5m",
                    "How long a kept-alive connection may stay idle before it is closed.", true),
            new Flag(MAX_CONNECTIONS, Kind.INT, "10000",
                    "Most client connections open at once; more are closed as soon as they are accepted. 0: no"
                            + " limit.", true),
            new Flag(LOG_LEVEL, Kind.ENUM, "info",
                    "Only log messages of this severity or above. One of: [debug, info, warn, error]", true),
            new Flag(LOG_FORMAT, Kind.ENUM, "logfmt",
                    "Format of log lines on stderr. One of: [logfmt, json]", true),
            new Flag(VERSION, Kind.BOOL, "false", "Show the version and build information and exit.", false));

    private final List<String> listenAddresses;
    private final boolean systemdSocket;
    private final String webConfigFile;
    private final String telemetryPath;
    private final String externalUrlFlag;
    private final String externalUrl;
    private final String routePrefix;
    private final boolean enableLifecycle;
    private final boolean enableAdminApi;
    private final boolean enableOpenMetrics;
    private final String persistenceFile;
    private final long persistenceIntervalNs;
    private final SyncPolicy persistenceSync;
    private final Limits limits;
    private final boolean disableConsistencyCheck;
    private final boolean enableUtf8Names;
    private final Log.Level logLevel;
    private final Log.Format logFormat;
    private final Map<String, String> statusFlags;

    private Flags(Map<String, String> values, List<String> listenAddresses, long persistenceIntervalNs,
                  String externalUrlPath, Supplier<String> hostname) {
        this.listenAddresses = List.copyOf(listenAddresses);
        this.systemdSocket = Boolean.parseBoolean(values.get(SYSTEMD_SOCKET));
        this.webConfigFile = values.get(CONFIG_FILE);
        this.telemetryPath = values.get(TELEMETRY_PATH);
        this.externalUrlFlag = values.get(EXTERNAL_URL);
        this.routePrefix = computeRoutePrefix(values.get(ROUTE_PREFIX), externalUrlPath);
        this.enableLifecycle = Boolean.parseBoolean(values.get(ENABLE_LIFECYCLE));
        this.enableAdminApi = Boolean.parseBoolean(values.get(ENABLE_ADMIN_API));
        this.enableOpenMetrics = Boolean.parseBoolean(values.get(ENABLE_OPENMETRICS));
        this.persistenceFile = values.get(PERSISTENCE_FILE);
        this.persistenceIntervalNs = persistenceIntervalNs;
        this.persistenceSync = syncPolicy(values.get(PERSISTENCE_SYNC));
        this.limits = new Limits(count(values, MAX_BODY_BYTES), count(values, MAX_SERIES_PER_PUSH),
                count(values, MAX_LABELS), count(values, MAX_METRIC_NAME_BYTES), count(values, MAX_LABEL_NAME_BYTES),
                count(values, MAX_LABEL_VALUE_BYTES), count(values, MAX_GROUPS), count(values, MAX_SERIES),
                count(values, MAX_HEADER_BYTES), durationNs(values, READ_TIMEOUT), durationNs(values, IDLE_TIMEOUT),
                count(values, MAX_CONNECTIONS));
        this.disableConsistencyCheck = Boolean.parseBoolean(values.get(DISABLE_CONSISTENCY_CHECK));
        this.enableUtf8Names = Boolean.parseBoolean(values.get(ENABLE_UTF8_NAMES));
        this.logLevel = Log.Level.fromLabel(values.get(LOG_LEVEL));
        this.logFormat = Log.Format.fromLabel(values.get(LOG_FORMAT));
        this.externalUrl = externalUrlFlag.isEmpty()
                ? "http://" + hostname.get() + ":" + port(this.listenAddresses.get(0)) + "/"
                : externalUrlFlag;

        // As upstream's /api/v1/status: every non-kingpin flag by name (encoding/json sorts the keys), values as
        // kingpin's Value.String(), and the route prefix after computeRoutePrefix has overwritten it.
        final Map<String, String> status = new TreeMap<>();
        for (Flag flag : FLAGS) {
            if (flag.status) {
                status.put(flag.name, values.get(flag.name));
            }
        }
        status.put(LISTEN_ADDRESS, String.join(",", this.listenAddresses));
        status.put(PERSISTENCE_INTERVAL, formatGoDuration(persistenceIntervalNs));
        status.put(ROUTE_PREFIX, routePrefix);
        this.statusFlags = Collections.unmodifiableMap(new LinkedHashMap<>(status));
    }

    /**
     * Parses the command line (without the program name).
     *
     * @throws FlagsException when the program should exit instead: help, version or a usage error
     */
    public static Flags parse(String[] args) throws FlagsException {
        return parse(args, Flags::systemHostname);
    }

    static Flags parse(String[] args, Supplier<String> hostname) throws FlagsException {
        final Map<String, Flag> byName = new HashMap<>();
        for (Flag flag : FLAGS) {
            byName.put(flag.name, flag);
        }

        // 1. arguments, left to right: kingpin's tokenizer and flag matcher
        final List<Flag> matched = new ArrayList<>();
        final List<String> matchedValues = new ArrayList<>();
        boolean help = false;
        final List<String> pending = new ArrayList<>(List.of(args));
        for (int i = 0; i < pending.size(); i++) {
            final String arg = pending.get(i);
            if (arg.equals("--")) {
                if (i + 1 < pending.size()) {
                    throw FlagsException.usage("unexpected " + pending.get(i + 1));
                }
                break;
            }
            if (arg.startsWith("--")) {
                final int equals = arg.indexOf('=');
                final String name = equals < 0 ? arg.substring(2) : arg.substring(2, equals);
                final String inline = equals < 0 ? null : arg.substring(equals + 1);
                Flag flag = byName.get(name);
                boolean invert = false;
                if (flag == null && name.startsWith("no-")) {
                    flag = byName.get(name.substring(3));
                    invert = true;
                }
                if (flag == null || (invert && flag.kind != Kind.BOOL)) {
                    throw FlagsException.usage("unknown long flag '--" + name + "'");
                }
                final String value;
                if (flag.kind == Kind.BOOL) {
                    if (inline != null && (invert || !(inline.equals("true") || inline.equals("false")))) {
                        // kingpin hands "=value" on as an argument, and there are no arguments
                        throw FlagsException.usage("unexpected " + inline);
                    }
                    value = inline != null ? inline : invert ? "false" : "true";
                } else if (inline != null) {
                    value = inline;
                } else if (i + 1 < pending.size() && !isFlagToken(pending.get(i + 1))) {
                    value = pending.get(++i);
                } else {
                    throw FlagsException.usage("expected argument for flag '--" + name + "'");
                }
                if (flag.name.equals(VERSION)) {
                    throw new FlagsException(versionText(), 0, FlagsException.Stream.STDOUT);
                }
                help |= flag.name.equals(HELP);
                matched.add(flag);
                matchedValues.add(value);
            } else if (arg.startsWith("-")) {
                // short flags: only -h, which may be bundled ("-hx" is -h then -x)
                final String shortName = arg.length() > 1 ? arg.substring(1, 2) : "-";
                if (!shortName.equals("h")) {
                    throw FlagsException.usage("unknown short flag '-" + (arg.length() > 1 ? shortName : "") + "'");
                }
                help = true;
                if (arg.length() > 2) {
                    pending.add(i + 1, "-" + arg.substring(2));
                }
            } else {
                throw FlagsException.usage("unexpected " + arg);
            }
        }

        // 2. help, before any value is checked
        if (help) {
            throw new FlagsException(helpText(), 0, FlagsException.Stream.STDOUT);
        }

        // 3. values, left to right
        final Map<String, String> values = new HashMap<>();
        for (Flag flag : FLAGS) {
            values.put(flag.name, flag.defaultValue);
        }
        final List<String> listenAddresses = new ArrayList<>();
        final Map<String, Boolean> seen = new HashMap<>();
        for (int i = 0; i < matched.size(); i++) {
            final Flag flag = matched.get(i);
            final String value = matchedValues.get(i);
            if (seen.put(flag.name, Boolean.TRUE) != null && flag.kind != Kind.STRINGS) {
                throw FlagsException.usage("flag '" + flag.name + "' cannot be repeated");
            }
            checkValue(flag, value);
            if (flag.kind == Kind.STRINGS) {
                listenAddresses.add(value);
            }
            values.put(flag.name, value);
        }
        if (listenAddresses.isEmpty()) {
            listenAddresses.add(byName.get(LISTEN_ADDRESS).defaultValue);
        }
        final long persistenceIntervalNs = parseGoDuration(values.get(PERSISTENCE_INTERVAL));
        final String externalUrlPath = urlPath(values.get(EXTERNAL_URL));
        return new Flags(values, listenAddresses, persistenceIntervalNs, externalUrlPath, hostname);
    }

    private static boolean isFlagToken(String arg) {
        return arg.length() > 1 && arg.startsWith("-");
    }

    private static void checkValue(Flag flag, String value) throws FlagsException {
        if (flag.kind == Kind.INT) {
            parseCount(value);
        } else if (flag.kind == Kind.DURATION) {
            parseGoDuration(value);
        }
        switch (flag.name) {
            case PERSISTENCE_INTERVAL:
                parseGoDuration(value);
                break;
            case EXTERNAL_URL:
                urlPath(value);
                break;
            case PERSISTENCE_SYNC:
                if (syncPolicy(value) == null) {
                    throw FlagsException.usage("unrecognized sync policy " + GoStrings.quote(value)
                            + " (one of: write, fsync)");
                }
                break;
            case LOG_LEVEL:
                if (Log.Level.fromLabel(value) == null) {
                    throw FlagsException.usage("unrecognized log level " + GoStrings.quote(value));
                }
                break;
            case LOG_FORMAT:
                if (Log.Format.fromLabel(value) == null) {
                    throw FlagsException.usage("unrecognized log format " + GoStrings.quote(value));
                }
                break;
            default:
                break;
        }
    }

    /** A non-negative decimal integer, in kingpin's words when it is not one. */
    static long parseCount(String value) throws FlagsException {
        try {
            final long n = Long.parseLong(value);
            if (n >= 0 && !value.startsWith("+")) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw FlagsException.usage("strconv.ParseUint: parsing " + GoStrings.quote(value) + ": invalid syntax");
    }

    /** The limits of requests, pushes and the store. */
    public Limits limits() {
        return limits;
    }

    // ------------------------------------------------------------------ accessors

    /** {@code --web.listen-address}, in the order given; {@code [":9091"]} by default. */
    public List<String> listenAddresses() {
        return listenAddresses;
    }

    /** {@code --web.systemd-socket}. */
    public boolean systemdSocket() {
        return systemdSocket;
    }

    /** {@code --web.config.file}; empty for none. */
    public String webConfigFile() {
        return webConfigFile;
    }

    /** {@code --web.telemetry-path}, as given (the server joins it to {@link #routePrefix()}). */
    public String telemetryPath() {
        return telemetryPath;
    }

    /**
     * The external URL: {@code --web.external-url}, or {@code http://<hostname>:<port>/} from the first listen
     * address when it is empty (as Prometheus computes it; the Go Pushgateway itself keeps it empty).
     */
    public String externalUrl() {
        return externalUrl;
    }

    /**
     * The effective route prefix: {@code --web.route-prefix}, or the external URL's path when that is empty;
     * with a leading and without a trailing {@code /}; empty for none (also for {@code /}).
     */
    public String routePrefix() {
        return routePrefix;
    }

    /** {@code --web.enable-lifecycle}. */
    public boolean enableLifecycle() {
        return enableLifecycle;
    }

    /** {@code --web.enable-admin-api}. */
    public boolean enableAdminApi() {
        return enableAdminApi;
    }

    /** {@code --persistence.file}; empty for none. */
    public String persistenceFile() {
        return persistenceFile;
    }

    /** {@code --persistence.interval} in milliseconds (nanoseconds truncated; negative if given so, as Go allows). */
    /** {@code --persistence.sync}. */
    public SyncPolicy persistenceSync() {
        return persistenceSync;
    }

    /** A value checked by {@link #checkValue} already. */
    private static long count(Map<String, String> values, String name) {
        try {
            return parseCount(values.get(name));
        } catch (FlagsException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long durationNs(Map<String, String> values, String name) {
        try {
            return parseGoDuration(values.get(name));
        } catch (FlagsException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SyncPolicy syncPolicy(String value) {
        for (SyncPolicy policy : SyncPolicy.values()) {
            if (policy.flagValue().equals(value)) {
                return policy;
            }
        }
        return null;
    }

    public long persistenceIntervalMs() {
        return persistenceIntervalNs / 1_000_000L;
    }

    /** {@code --push.disable-consistency-check}. */
    public boolean disableConsistencyCheck() {
        return disableConsistencyCheck;
    }

    /** {@code --web.enable-openmetrics}. */
    public boolean enableOpenMetrics() {
        return enableOpenMetrics;
    }

    /** {@code --push.enable-utf8-names}. */
    public boolean enableUtf8Names() {
        return enableUtf8Names;
    }

    /** {@code --log.level}. */
    public Log.Level logLevel() {
        return logLevel;
    }

    /** {@code --log.format}. */
    public Log.Format logFormat() {
        return logFormat;
    }

    /**
     * The flags for {@code /api/v1/status} and the status page, sorted by name as upstream's JSON: names without
     * {@code --}, values as upstream shows them ({@code 5m0s}, {@code true}, addresses comma-separated, the
     * effective route prefix, the external URL as given). Unmodifiable.
     */
    public Map<String, String> statusFlags() {
        return statusFlags;
    }

    // ------------------------------------------------------------------ route prefix and external URL

    /** {@code computeRoutePrefix} of the Go Pushgateway (1.5.1: all slashes trimmed from both ends). */
    static String computeRoutePrefix(String routePrefix, String externalUrlPath) {
        String prefix = routePrefix.isEmpty() ? externalUrlPath : routePrefix;
        int start = 0;
        int end = prefix.length();
        while (start < end && prefix.charAt(start) == '/') {
            start++;
        }
        while (end > start && prefix.charAt(end - 1) == '/') {
            end--;
        }
        return start == end ? "" : "/" + prefix.substring(start, end);
    }

    /** The decoded path of a {@code --web.external-url}, checked as Go's {@code url.Parse} would reject it. */
    static String urlPath(String url) throws FlagsException {
        if (url.isEmpty()) {
            return "";
        }
        String reason = null;
        for (int i = 0; i < url.length() && reason == null; i++) {
            final char c = url.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                reason = "net/url: invalid control character in URL";
            } else if (c == '%' && (i + 2 >= url.length() || !isHex(url.charAt(i + 1)) || !isHex(url.charAt(i + 2)))) {
                reason = "invalid URL escape " + GoStrings.quote(url.substring(i, Math.min(i + 3, url.length())));
            }
        }
        if (reason == null && url.charAt(0) == ':') {
            reason = "missing protocol scheme";
        }
        if (reason == null) {
            try {
                final String path = new URI(url).getPath();
                return path == null ? "" : path;
            } catch (URISyntaxException e) {
                reason = e.getReason();
            }
        }
        throw FlagsException.usage("invalid URL: parse " + GoStrings.quote(url) + ": " + reason);
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** The port of a listen address ({@code :9091}, {@code host:9091}, {@code [::1]:9091}). */
    private static String port(String listenAddress) {
        final int colon = listenAddress.lastIndexOf(':');
        return colon < 0 ? listenAddress : listenAddress.substring(colon + 1);
    }

    /** Go's {@code os.Hostname()}: the kernel's host name, else the JDK's idea of it. */
    private static String systemHostname() {
        try {
            final String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    // ------------------------------------------------------------------ help and version

    /** kingpin's usage text, with Cairn's name and words. */
    static String helpText() {
        final StringBuilder sb = new StringBuilder();
        sb.append("usage: ").append(PROGRAM).append(" [<flags>]\n\n");
        sb.append("Cairn, a drop-in replacement for the Prometheus Pushgateway.\n\n");
        sb.append("Also: ").append(PROGRAM).append(" migrate --from URL [--to URL]\n")
                .append("  copies every group of a running Pushgateway into Cairn (").append(PROGRAM)
                .append(" migrate --help).\n\n");
        sb.append("Flags:\n");
        final String indent = "  ";
        final String offset = " ".repeat(indent.length() + HELP_LEFT_COLUMN + 2);
        for (Flag flag : FLAGS) {
            final String usage = flag.usage();
            final List<String> lines = wrap(flag.help, HELP_WIDTH - HELP_LEFT_COLUMN - 2 - indent.length());
            sb.append(indent).append(usage).append(" ".repeat(Math.max(0, HELP_LEFT_COLUMN - usage.length())))
                    .append("  ");
            if (usage.length() >= HELP_LEFT_COLUMN_LIMIT) {
                sb.append('\n').append(offset);
            }
            sb.append(lines.get(0)).append('\n');
            for (int i = 1; i < lines.size(); i++) {
                sb.append(offset).append(lines.get(i)).append('\n');
            }
        }
        return sb.substring(0, sb.length() - 1);
    }

    private static List<String> wrap(String text, int width) {
        final List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line = new StringBuilder();
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    /** {@code --version}, in the layout of Go's {@code version.Print}. */
    static String versionText() {
        final Map<String, String> info = buildInformation();
        return PROGRAM + ", version " + info.get("version") + " (branch: " + info.get("branch") + ", revision: "
                + info.get("revision") + ")\n"
                + "  build user:       " + info.get("buildUser") + "\n"
                + "  build date:       " + info.get("buildDate") + "\n"
                + "  java version:     " + info.get("javaVersion") + "\n"
                + "  platform:         " + platform();
    }

    /**
     * The build information for {@code /api/v1/status}, keyed as upstream ({@code version}, {@code revision},
     * {@code branch}, {@code buildUser}, {@code buildDate}) plus {@code javaVersion} where Go has
     * {@code goVersion}. From {@code io/cairn/server/version.properties}, filtered by Maven; "unknown" for what the
     * build did not set.
     */
    public static Map<String, String> buildInformation() {
        final Properties properties = new Properties();
        try (InputStream in = Flags.class.getResourceAsStream(VERSION_RESOURCE)) {
            if (in != null) {
                properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // no build information: everything "unknown"
        }
        final Map<String, String> info = new LinkedHashMap<>();
        for (String key : List.of("version", "revision", "branch", "buildUser", "buildDate")) {
            info.put(key, property(properties, key));
        }
        info.put("javaVersion", System.getProperty("java.version", UNKNOWN));
        return Collections.unmodifiableMap(info);
    }

    private static String property(Properties properties, String key) {
        final String value = properties.getProperty(key, "").trim();
        // an unfiltered "${...}" means the build did not define it
        return value.isEmpty() || value.startsWith("${") ? UNKNOWN : value;
    }

    private static String platform() {
        final String os = System.getProperty("os.name", UNKNOWN).toLowerCase(Locale.ROOT).replace(' ', '_');
        final String arch = System.getProperty("os.arch", UNKNOWN);
        return os + "/" + (arch.equals("x86_64") ? "amd64" : arch.equals("aarch64") ? "arm64" : arch);
    }

    // ------------------------------------------------------------------ Go durations

    private static final long NANOSECOND = 1L;
    private static final long MICROSECOND = 1_000L * NANOSECOND;
    private static final long MILLISECOND = 1_000L * MICROSECOND;
    private static final long SECOND = 1_000L * MILLISECOND;
    private static final long MINUTE = 60L * SECOND;
    private static final long HOUR = 60L * MINUTE;
    /** 1 << 63 as an unsigned 64-bit number. */
    private static final long TWO_POW_63 = Long.MIN_VALUE;

    /** Go's {@code time.ParseDuration}, with its error texts; nanoseconds. */
    static long parseGoDuration(String orig) throws FlagsException {
        String s = orig;
        boolean negative = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return 0;
        }
        if (s.isEmpty()) {
            throw invalidDuration(orig);
        }
        long d = 0; // unsigned
        int i = 0;
        while (i < s.length()) {
            final char first = s.charAt(i);
            if (!(first == '.' || (first >= '0' && first <= '9'))) {
                throw invalidDuration(orig);
            }
            // [0-9]*
            final int intStart = i;
            long v = 0; // unsigned
            for (; i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9'; i++) {
                if (Long.compareUnsigned(v, Long.MAX_VALUE / 10) > 0) {
                    throw invalidDuration(orig); // overflow
                }
                v = v * 10 + (s.charAt(i) - '0');
                if (Long.compareUnsigned(v, TWO_POW_63) > 0) {
                    throw invalidDuration(orig);
                }
            }
            final boolean pre = i != intStart;
            // (\.[0-9]*)?
            long f = 0;
            double scale = 1;
            boolean post = false;
            if (i < s.length() && s.charAt(i) == '.') {
                i++;
                final int fracStart = i;
                boolean overflow = false;
                for (; i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9'; i++) {
                    if (overflow) {
                        continue;
                    }
                    if (Long.compareUnsigned(f, Long.MAX_VALUE / 10) > 0) {
                        overflow = true; // Go drops the digits it cannot hold
                        continue;
                    }
                    final long y = f * 10 + (s.charAt(i) - '0');
                    if (Long.compareUnsigned(y, TWO_POW_63) > 0) {
                        overflow = true;
                        continue;
                    }
                    f = y;
                    scale *= 10;
                }
                post = i != fracStart;
            }
            if (!pre && !post) {
                throw invalidDuration(orig);
            }
            // unit: everything up to the next '.' or digit
            final int unitStart = i;
            for (; i < s.length(); i++) {
                final char c = s.charAt(i);
                if (c == '.' || (c >= '0' && c <= '9')) {
                    break;
                }
            }
            if (i == unitStart) {
                throw FlagsException.usage("time: missing unit in duration " + goTimeQuote(orig));
            }
            final String u = s.substring(unitStart, i);
            final long unit = unit(u);
            if (unit == 0) {
                throw FlagsException.usage("time: unknown unit " + goTimeQuote(u) + " in duration "
                        + goTimeQuote(orig));
            }
            if (Long.compareUnsigned(v, Long.divideUnsigned(TWO_POW_63, unit)) > 0) {
                throw invalidDuration(orig);
            }
            v *= unit;
            if (f != 0) {
                // float64 keeps fractions of hours nanosecond-exact, as in Go
                final double fraction = f < 0 ? 0x1p63 : (double) f; // f is at most 1 << 63
                v += (long) (fraction * ((double) unit / scale));
                if (Long.compareUnsigned(v, TWO_POW_63) > 0) {
                    throw invalidDuration(orig);
                }
            }
            d += v;
            if (Long.compareUnsigned(d, TWO_POW_63) > 0) {
                throw invalidDuration(orig);
            }
        }
        if (negative) {
            return -d;
        }
        if (Long.compareUnsigned(d, Long.MAX_VALUE) > 0) {
            throw invalidDuration(orig);
        }
        return d;
    }

    private static long unit(String u) {
        switch (u) {
            case "ns":
                return NANOSECOND;
            case "us":
            case "\u00b5s": // micro sign
            case "\u03bcs": // Greek mu
                return MICROSECOND;
            case "ms":
                return MILLISECOND;
            case "s":
                return SECOND;
            case "m":
                return MINUTE;
            case "h":
                return HOUR;
            default:
                return 0;
        }
    }

    private static FlagsException invalidDuration(String orig) {
        return FlagsException.usage("time: invalid duration " + goTimeQuote(orig));
    }

    /** Go's {@code time.Duration.String()}: {@code 5m0s}, {@code 1h30m0s}, {@code 500ms}, {@code 1.5µs}, {@code 0s}. */
    static String formatGoDuration(long d) {
        final char[] buf = new char[32];
        int w = buf.length;
        long u = d < 0 ? -d : d; // unsigned; -MIN_VALUE stays 1 << 63
        if (Long.compareUnsigned(u, SECOND) < 0) {
            final int precision;
            buf[--w] = 's';
            w--;
            if (u == 0) {
                buf[w] = '0';
                return new String(buf, w, buf.length - w);
            } else if (u < MICROSECOND) {
                precision = 0;
                buf[w] = 'n';
            } else if (u < MILLISECOND) {
                precision = 3;
                buf[w] = '\u00b5';
            } else {
                precision = 6;
                buf[w] = 'm';
            }
            final long[] state = {u};
            w = formatFraction(buf, w, state, precision);
            w = formatInt(buf, w, state[0]);
        } else {
            buf[--w] = 's';
            final long[] state = {u};
            w = formatFraction(buf, w, state, 9);
            u = state[0]; // whole seconds
            w = formatInt(buf, w, Long.remainderUnsigned(u, 60));
            u = Long.divideUnsigned(u, 60);
            if (u > 0) {
                buf[--w] = 'm';
                w = formatInt(buf, w, u % 60);
                u /= 60;
                if (u > 0) {
                    buf[--w] = 'h';
                    w = formatInt(buf, w, u);
                }
            }
        }
        if (d < 0) {
            buf[--w] = '-';
        }
        return new String(buf, w, buf.length - w);
    }

    /** Go's {@code fmtFrac}: the fraction of {@code v / 10^precision} without trailing zeros; v becomes the rest. */
    private static int formatFraction(char[] buf, int w, long[] state, int precision) {
        long v = state[0];
        boolean print = false;
        for (int i = 0; i < precision; i++) {
            final long digit = Long.remainderUnsigned(v, 10);
            print = print || digit != 0;
            if (print) {
                buf[--w] = (char) ('0' + digit);
            }
            v = Long.divideUnsigned(v, 10);
        }
        if (print) {
            buf[--w] = '.';
        }
        state[0] = v;
        return w;
    }

    private static int formatInt(char[] buf, int w, long v) {
        if (v == 0) {
            buf[--w] = '0';
            return w;
        }
        while (v != 0) {
            buf[--w] = (char) ('0' + Long.remainderUnsigned(v, 10));
            v = Long.divideUnsigned(v, 10);
        }
        return w;
    }

    // ------------------------------------------------------------------ Go quoting

    /** The {@code quote} of Go's time package: {@code \xNN} for every UTF-8 byte of a non-ASCII or control char. */
    private static String goTimeQuote(String s) {
        final StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            final int c = b & 0xff;
            if (c >= 0x80 || c < ' ') {
                sb.append(String.format("\\x%02x", c));
            } else {
                if (c == '"' || c == '\\') {
                    sb.append('\\');
                }
                sb.append((char) c);
            }
        }
        return sb.append('"').toString();
    }
}
