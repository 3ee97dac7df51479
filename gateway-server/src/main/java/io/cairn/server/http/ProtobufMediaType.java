package io.cairn.server.http;

import java.util.Locale;

/**
 * Recognises the delimited protobuf {@code MetricFamily} media type exactly as the Pushgateway does ({@code
 * handler/push.go}: {@code mime.ParseMediaType}, then the {@code proto} and {@code encoding} parameters).
 */
final class ProtobufMediaType {
    static final String MEDIA_TYPE = "application/vnd.google.protobuf";
    static final String PROTO = "io.prometheus.client.MetricFamily";
    static final String ENCODING = "delimited";

    private ProtobufMediaType() {
    }

    static boolean isDelimitedMetricFamily(String contentType) {
        if (contentType == null) {
            return false;
        }
        final String[] parts = contentType.split(";");
        if (!parts[0].trim().toLowerCase(Locale.ROOT).equals(MEDIA_TYPE)) {
            return false;
        }
        String proto = null;
        String encoding = null;
        for (int i = 1; i < parts.length; i++) {
            final String part = parts[i].trim();
            final int eq = part.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            final String name = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = part.substring(eq + 1).trim();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            if (name.equals("proto")) {
                proto = value;
            } else if (name.equals("encoding")) {
                encoding = value;
            }
        }
        return PROTO.equals(proto) && ENCODING.equals(encoding);
    }
}
