package io.cairn.server.migrate;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * The push path of a grouping key: {@code /metrics/job/<job>} followed by {@code /<name>/<value>} for the other
 * labels in name order, as the Go client library builds it ({@code client_golang/prometheus/push}):
 * <ul>
 * <li>a value that is empty or contains {@code /} is written in the {@code @base64} form, RFC 4648 URL-safe base64
 * without padding ({@code job@base64/<b64>}, {@code name@base64/<b64>}), the empty value as {@code =};</li>
 * <li>so are {@code .} and {@code ..}, which the Go client writes as they are although they make the path
 * non-canonical (Go's router redirects such a path instead of routing it);</li>
 * <li>any other value is percent-encoded byte by byte (UTF-8), every byte outside RFC 3986's unreserved
 * characters {@code A-Z a-z 0-9 - . _ ~}.</li>
 * </ul>
 * Label names are legacy names ({@code [a-zA-Z_][a-zA-Z0-9_]*}) and are written as they are.
 */
final class GroupPath {
    private static final Base64.Encoder BASE64_URL = Base64.getUrlEncoder().withoutPadding();
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private GroupPath() {
    }

    /** The path for {@code key}, which holds a non-empty {@code job} and is iterated in name order. */
    static String of(Map<String, String> key) {
        final StringBuilder sb = new StringBuilder("/metrics");
        segment(sb, "job", key.get("job"));
        for (Map.Entry<String, String> label : key.entrySet()) {
            if (!label.getKey().equals("job")) {
                segment(sb, label.getKey(), label.getValue());
            }
        }
        return sb.toString();
    }

    private static void segment(StringBuilder sb, String name, String value) {
        sb.append('/').append(name);
        if (needsBase64(value)) {
            sb.append("@base64/");
            // a single "=" is the Pushgateway's spelling of the empty value: an empty segment would be "//"
            sb.append(value.isEmpty() ? "=" : BASE64_URL.encodeToString(value.getBytes(StandardCharsets.UTF_8)));
        } else {
            sb.append('/');
            percentEncode(sb, value);
        }
    }

    static boolean needsBase64(String value) {
        return value.isEmpty() || value.indexOf('/') >= 0 || value.equals(".") || value.equals("..");
    }

    private static void percentEncode(StringBuilder sb, String value) {
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            final int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
    }
}
