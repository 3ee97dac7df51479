package io.cairn.core.render;

/**
 * The series identity hash of client_golang ({@code prometheus/fnv.go}, {@code checkMetricConsistency}): FNV-1a
 * 64 over the metric name and the sorted label pairs, each followed by the separator byte 0xFF. Using the same
 * function keeps our duplicate detection identical to the Pushgateway's, collisions included.
 */
public final class SeriesHash {
    public static final long OFFSET = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;
    private static final int SEPARATOR = 0xff;

    private SeriesHash() {
    }

    /** Adds the UTF-8 bytes of {@code s}, as Go's {@code hashAdd} adds the bytes of a string. */
    public static long add(long h, String s) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c < 0x80) {
                h = addByte(h, c);
            } else if (c < 0x800) {
                h = addByte(h, 0xc0 | (c >> 6));
                h = addByte(h, 0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                final int cp = Character.toCodePoint(c, s.charAt(++i));
                h = addByte(h, 0xf0 | (cp >> 18));
                h = addByte(h, 0x80 | ((cp >> 12) & 0x3f));
                h = addByte(h, 0x80 | ((cp >> 6) & 0x3f));
                h = addByte(h, 0x80 | (cp & 0x3f));
            } else {
                h = addByte(h, 0xe0 | (c >> 12));
                h = addByte(h, 0x80 | ((c >> 6) & 0x3f));
                h = addByte(h, 0x80 | (c & 0x3f));
            }
        }
        return h;
    }

    public static long addSeparator(long h) {
        return addByte(h, SEPARATOR);
    }

    private static long addByte(long h, int b) {
        return (h ^ (b & 0xff)) * PRIME;
    }
}
