package io.cairn.server.migrate;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * The flags of {@code cairn migrate}, in kingpin's syntax as the daemon's flags: {@code --from=URL} or
 * {@code --from URL}, {@code --to}, {@code --dry-run}, {@code -h}/{@code --help}.
 *
 * @param from   the old gateway
 * @param to     the new gateway, {@value #DEFAULT_TO} unless given
 * @param dryRun print what would be pushed instead of pushing
 * @param help   print the help and do nothing else
 */
record MigrateOptions(Endpoint from, Endpoint to, boolean dryRun, boolean help) {
    static final String DEFAULT_TO = "http://127.0.0.1:9091";

    static final String HELP = String.join("\n",
            "usage: cairn migrate --from=URL [<flags>]",
            "",
            "Copies every group of a running Pushgateway into a running Cairn: reads the",
            "old gateway's /api/v1/metrics (Pushgateway 1.2.0 or later) and pushes each",
            "group with PUT to the new gateway under the same grouping key, with the same",
            "metric names, types, HELP texts, labels and values. push_time_seconds becomes",
            "the time of the migration. Native histogram buckets cannot be migrated",
            "through the API: such histograms keep their _count and _sum. Groups pushed to",
            "the old gateway after it was read are not copied. See docs/migration.md.",
            "",
            "Flags:",
            "  -h, --help      Show this help and exit.",
            "      --from=URL  The old gateway, e.g. http://old-gateway:9091, with its",
            "                  --web.route-prefix if it has one. Required. User and",
            "                  password in the URL (http://user:pass@host:9091) are sent",
            "                  as basic authentication.",
            "      --to=" + DEFAULT_TO,
            "                  The new gateway (Cairn), with its route prefix if any.",
            "      --dry-run   Read the old gateway and print each group's PUT (URL and",
            "                  body) without pushing anything.",
            "",
            "Exit status: 0 when every group was migrated, 1 when one or more groups",
            "failed (each is listed), 2 when nothing was pushed (bad flags, the new",
            "gateway not ready, or the old gateway could not be read).",
            "");

    /** Parses the arguments after {@code migrate}. */
    static MigrateOptions parse(String[] args) throws UsageException {
        String from = null;
        String to = DEFAULT_TO;
        boolean dryRun = false;
        for (int i = 0; i < args.length; i++) {
            final String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                return new MigrateOptions(null, null, false, true);
            }
            final int eq = arg.indexOf('=');
            final String flag = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
            switch (flag) {
                case "--from":
                case "--to": {
                    final String value;
                    if (eq > 0 && arg.startsWith("--")) {
                        value = arg.substring(eq + 1);
                    } else if (i + 1 < args.length) {
                        value = args[++i];
                    } else {
                        throw new UsageException("expected argument for flag '" + flag + "'");
                    }
                    if (flag.equals("--from")) {
                        from = value;
                    } else {
                        to = value;
                    }
                    break;
                }
                case "--dry-run":
                    if (eq > 0) {
                        throw new UsageException("flag '--dry-run' takes no value");
                    }
                    dryRun = true;
                    break;
                default:
                    if (arg.startsWith("--")) {
                        throw new UsageException("unknown long flag '" + flag + "'");
                    }
                    if (arg.startsWith("-") && arg.length() > 1) {
                        throw new UsageException("unknown short flag '" + arg + "'");
                    }
                    throw new UsageException("unexpected " + arg);
            }
        }
        if (from == null) {
            throw new UsageException("required flag --from not provided");
        }
        final Endpoint source = Endpoint.parse("--from", from);
        final Endpoint target = Endpoint.parse("--to", to);
        if (source.base().equalsIgnoreCase(target.base())) {
            throw new UsageException("--from and --to name the same gateway (" + source.base() + ")");
        }
        return new MigrateOptions(source, target, dryRun, false);
    }

    /**
     * A gateway's base URL.
     *
     * @param base          scheme, host, port and route prefix, without user info and without a trailing slash;
     *                      the API paths are appended to it
     * @param authorization the {@code Authorization} header for user info in the URL, or {@code null}
     */
    record Endpoint(String base, String authorization) {

        static Endpoint parse(String flag, String url) throws UsageException {
            final URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new UsageException(flag + ": \"" + url + "\" is not a URL: " + e.getMessage());
            }
            final String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new UsageException(flag + ": \"" + url + "\" is not an http:// or https:// URL (for example"
                        + " http://old-gateway:9091)");
            }
            if (uri.getHost() == null) {
                throw new UsageException(flag + ": \"" + url + "\" has no host");
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new UsageException(flag + ": \"" + url + "\" has a query or fragment; give the gateway's base"
                        + " URL only");
            }
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            final String host = uri.getHost();
            final String base = scheme + "://" + host + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + path;
            String authorization = null;
            if (uri.getRawUserInfo() != null) {
                final String userInfo = URLDecoder.decode(uri.getRawUserInfo().replace("+", "%2B"),
                        StandardCharsets.UTF_8);
                authorization = "Basic " + Base64.getEncoder()
                        .encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
            }
            return new Endpoint(base, authorization);
        }
    }

    /** A command line that cannot be run; the message is kingpin-style, without the program name. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message, null, false, false);
        }
    }
}
