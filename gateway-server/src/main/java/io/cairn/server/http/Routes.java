package io.cairn.server.http;

/**
 * The gateway's paths under the route prefix, computed once from the flags. Mirrors the Pushgateway's routes
 * ({@code main.go}): the push path is always {@code <prefix>/metrics/job...} whatever the telemetry path, the
 * API lives under {@code <prefix>/api/v1}, and {@code GET /-/quit} is answered at the literal path. The web UI adds
 * {@code <prefix>/static/} and {@code <prefix>/api/cairn/v1/}.
 */
public final class Routes {
    final String prefix;
    final String telemetryPath;
    final String pushJob;
    final String pushJobBase64;
    final String healthy;
    final String ready;
    final String quit;
    final String apiV1;
    final String status;
    final String root;
    /** The web UI's script, style sheet and icon. */
    final String staticFiles;
    /** The web UI's own JSON endpoints, which the Pushgateway lacks. */
    final String uiApi;

    /** @param prefix the normalised route prefix: empty, or a leading slash and no trailing one */
    public Routes(String prefix, String telemetryPath) {
        this.prefix = prefix;
        this.telemetryPath = prefix + (telemetryPath.startsWith("/") ? telemetryPath : "/" + telemetryPath);
        this.pushJob = prefix + "/metrics/job/";
        this.pushJobBase64 = prefix + "/metrics/job@base64/";
        this.healthy = prefix + "/-/healthy";
        this.ready = prefix + "/-/ready";
        this.quit = prefix + "/-/quit";
        this.apiV1 = prefix + "/api/v1/";
        this.status = prefix + "/status";
        this.root = prefix + "/";
        this.staticFiles = prefix + "/static/";
        this.uiApi = prefix + "/api/cairn/v1/";
    }

    /**
     * Go's {@code path.Clean} as ServeMux applies it before routing (keeping a trailing slash), or {@code null}
     * when the path is clean already.
     */
    static String cleanIfNeeded(String path) {
        if (path.indexOf("//") < 0 && path.indexOf("/./") < 0 && path.indexOf("/../") < 0
                && !path.endsWith("/.") && !path.endsWith("/..")) {
            return null;
        }
        final String[] parts = path.split("/", -1);
        final java.util.ArrayDeque<String> kept = new java.util.ArrayDeque<>();
        for (String part : parts) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                kept.pollLast();
            } else {
                kept.addLast(part);
            }
        }
        final StringBuilder sb = new StringBuilder();
        for (String part : kept) {
            sb.append('/').append(part);
        }
        if (sb.length() == 0 || (path.endsWith("/") && !path.endsWith("//"))) {
            sb.append('/');
        } else if (path.endsWith("/")) {
            sb.append('/');
        }
        final String cleaned = sb.toString();
        return cleaned.equals(path) ? null : cleaned;
    }

    /**
     * A decoded path escaped again for a {@code Location} header, as Go's {@code url.URL.EscapedPath} does: bytes
     * other than letters, digits, {@code -_.~} and {@code $&+,/:;=@} become {@code %XX} of their UTF-8 encoding.
     */
    static String escapePath(String path) {
        final StringBuilder out = new StringBuilder(path.length() + 8);
        for (byte b : path.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            final int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-_.~$&+,/:;=@".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    /** The raw query of a request with control and non-ASCII characters escaped: fit for a header. */
    static String escapeControls(String query) {
        final StringBuilder out = new StringBuilder(query.length());
        for (byte b : query.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            final int c = b & 0xff;
            if (c < 0x20 || c >= 0x7f) {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                out.append((char) c);
            }
        }
        return out.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
}
