package io.cairn.server.http;

/**
 * A minimal HTML page at {@code /} and {@code /status} pointing to the JSON API and the metrics. The full web UI
 * comes with the operations work.
 */
final class StatusPage {
    private StatusPage() {
    }

    static String html(GatewayContext gateway) {
        final String prefix = gateway.routes.prefix;
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Cairn</title></head><body>\n"
                + "<h1>Cairn</h1>\n<p>A Pushgateway-compatible metrics cache.</p>\n<ul>\n"
                + "<li><a href=\"" + prefix + "/api/v1/metrics\">Groups and their metrics (JSON)</a></li>\n"
                + "<li><a href=\"" + prefix + "/api/v1/status\">Status, flags and build information (JSON)</a></li>\n"
                + "<li><a href=\"" + gateway.routes.telemetryPath + "\">Metrics exposition</a></li>\n"
                + "</ul>\n</body></html>\n";
    }
}
