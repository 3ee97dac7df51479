package io.cairn.server.http;

import io.cairn.core.model.GoStrings;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Decodes {@code %XX} escapes of a URL path as Go's {@code url.PathUnescape} does: {@code +} stays a plus, a
 * malformed escape makes the whole path invalid. Bytes that are not valid UTF-8 become U+FFFD here; the grouping
 * key decoder, which sees the raw path, rejects them.
 */
final class PercentDecoder {
    private PercentDecoder() {
    }

    /** The decoded path, or {@code null} when an escape is malformed. */
    static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            final char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                final int hi = GoStrings.hexValue(raw.charAt(i + 1));
                final int lo = GoStrings.hexValue(raw.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                final byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
