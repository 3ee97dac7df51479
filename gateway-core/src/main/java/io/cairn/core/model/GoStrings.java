package io.cairn.core.model;

import java.nio.charset.StandardCharsets;

/**
 * Go's view of bytes as text, as far as Cairn's messages and orderings need it: {@code utf8.Valid} and {@code
 * utf8.DecodeRune}, the {@code %q} verb of {@code fmt} ({@code strconv.Quote} for strings, {@code
 * strconv.QuoteRune} for a byte), and Go's string order. The Pushgateway's error texts quote with {@code %q};
 * the parser, the grouping-key decoder and the flags all use this one implementation. Cold paths, except {@link
 * #isValidUtf8} and {@link #compare}.
 */
public final class GoStrings {
    private static final char[] LOWER_HEX = "0123456789abcdef".toCharArray();
    private static final int RUNE_ERROR = 0xFFFD;

    private GoStrings() {
    }

    /** {@code utf8.Valid}: no overlong forms, no surrogates, nothing above U+10FFFF. */
    public static boolean isValidUtf8(byte[] bytes, int offset, int length) {
        final int end = offset + length;
        int i = offset;
        while (i < end) {
            if (bytes[i] >= 0) { // fast path: ASCII
                i++;
                continue;
            }
            final long decoded = decodeRune(bytes, i, end);
            if ((int) decoded == RUNE_ERROR && (decoded >>> 32) == 1) {
                return false;
            }
            i += (int) (decoded >>> 32);
        }
        return true;
    }

    /**
     * {@code utf8.DecodeRune} of the bytes from {@code offset} to {@code end}: the rune in the low 32 bits and its
     * width in the high 32 bits; an invalid encoding is U+FFFD with width 1.
     */
    public static long decodeRune(byte[] bytes, int offset, int end) {
        final int b0 = bytes[offset] & 0xFF;
        if (b0 < 0x80) {
            return (1L << 32) | b0;
        }
        final int width;
        int lo = 0x80;
        int hi = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            width = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            width = 3;
            if (b0 == 0xE0) {
                lo = 0xA0;
            } else if (b0 == 0xED) {
                hi = 0x9F;
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            width = 4;
            if (b0 == 0xF0) {
                lo = 0x90;
            } else if (b0 == 0xF4) {
                hi = 0x8F;
            }
        } else {
            return (1L << 32) | RUNE_ERROR;
        }
        if (end - offset < width) {
            return (1L << 32) | RUNE_ERROR;
        }
        final int b1 = bytes[offset + 1] & 0xFF;
        if (b1 < lo || b1 > hi) {
            return (1L << 32) | RUNE_ERROR;
        }
        int rune = width == 2 ? b0 & 0x1F : width == 3 ? b0 & 0x0F : b0 & 0x07;
        rune = (rune << 6) | (b1 & 0x3F);
        for (int k = 2; k < width; k++) {
            final int bk = bytes[offset + k] & 0xFF;
            if (bk < 0x80 || bk > 0xBF) {
                return (1L << 32) | RUNE_ERROR;
            }
            rune = (rune << 6) | (bk & 0x3F);
        }
        return ((long) width << 32) | rune;
    }

    /** {@code fmt.Sprintf("%q", string(bytes))}. */
    public static String quote(byte[] bytes, int offset, int length) {
        final StringBuilder out = new StringBuilder(length + 2);
        out.append('"');
        final int end = offset + length;
        int i = offset;
        while (i < end) {
            final long decoded = decodeRune(bytes, i, end);
            final int rune = (int) decoded;
            final int width = (int) (decoded >>> 32);
            if (width == 1 && rune == RUNE_ERROR) {
                out.append("\\x").append(LOWER_HEX[(bytes[i] >> 4) & 0xF]).append(LOWER_HEX[bytes[i] & 0xF]);
            } else {
                appendEscapedRune(out, rune, '"');
            }
            i += width;
        }
        return out.append('"').toString();
    }

    /** {@code fmt.Sprintf("%q", s)}: {@code s} as Go sees it, its UTF-8 bytes. */
    public static String quote(String s) {
        final byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return quote(bytes, 0, bytes.length);
    }

    /** Compares as Go compares strings: by UTF-8 bytes, which is code point order. */
    public static int compare(String a, String b) {
        final int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            final char ca = a.charAt(i);
            final char cb = b.charAt(i);
            if (ca != cb) {
                if (Character.isSurrogate(ca) || Character.isSurrogate(cb)) {
                    return Integer.compare(a.codePointAt(i), b.codePointAt(i));
                }
                return Character.compare(ca, cb);
            }
        }
        return Integer.compare(a.length(), b.length());
    }

    /** {@code fmt.Sprintf("%q", b)} for a Go {@code byte}: a rune literal of U+0000..U+00FF. */
    public static String quoteByte(int b) {
        final StringBuilder out = new StringBuilder(8);
        out.append('\'');
        appendEscapedRune(out, b & 0xFF, '\'');
        return out.append('\'').toString();
    }

    /** {@code fmt.Sprintf("%c", b)} for a Go {@code byte}: the rune U+0000..U+00FF. */
    public static char charOfByte(int b) {
        return (char) (b & 0xFF);
    }

    // strconv.appendEscapedRune with ASCIIonly=false, graphicOnly=false
    private static void appendEscapedRune(StringBuilder out, int rune, char quote) {
        if (rune == quote || rune == '\\') {
            out.append('\\').append((char) rune);
            return;
        }
        if (isPrint(rune)) {
            out.appendCodePoint(rune);
            return;
        }
        switch (rune) {
            case 0x07:
                out.append("\\a");
                return;
            case '\b':
                out.append("\\b");
                return;
            case '\f':
                out.append("\\f");
                return;
            case '\n':
                out.append("\\n");
                return;
            case '\r':
                out.append("\\r");
                return;
            case '\t':
                out.append("\\t");
                return;
            case 0x0B:
                out.append("\\v");
                return;
            default:
                break;
        }
        if (rune < ' ' || rune == 0x7F) {
            out.append("\\x").append(LOWER_HEX[(rune >> 4) & 0xF]).append(LOWER_HEX[rune & 0xF]);
        } else if (rune < 0x10000) {
            out.append("\\u");
            appendHex(out, rune, 4);
        } else {
            out.append("\\U");
            appendHex(out, rune, 8);
        }
    }

    private static void appendHex(StringBuilder out, int value, int digits) {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            out.append(LOWER_HEX[(value >> shift) & 0xF]);
        }
    }

    /**
     * {@code strconv.IsPrint}: letters, marks, numbers, punctuation, symbols and the ASCII space. Go 1.19 and Java 17
     * both implement Unicode 13.0, so {@link Character#getType(int)} gives the same categories.
     */
    public static boolean isPrint(int rune) {
        if (rune <= 0xFF) {
            if (rune >= 0x20 && rune <= 0x7E) {
                return true;
            }
            return rune >= 0xA1 && rune != 0xAD;
        }
        switch (Character.getType(rune)) {
            case Character.UPPERCASE_LETTER:
            case Character.LOWERCASE_LETTER:
            case Character.TITLECASE_LETTER:
            case Character.MODIFIER_LETTER:
            case Character.OTHER_LETTER:
            case Character.NON_SPACING_MARK:
            case Character.ENCLOSING_MARK:
            case Character.COMBINING_SPACING_MARK:
            case Character.DECIMAL_DIGIT_NUMBER:
            case Character.LETTER_NUMBER:
            case Character.OTHER_NUMBER:
            case Character.CONNECTOR_PUNCTUATION:
            case Character.DASH_PUNCTUATION:
            case Character.START_PUNCTUATION:
            case Character.END_PUNCTUATION:
            case Character.INITIAL_QUOTE_PUNCTUATION:
            case Character.FINAL_QUOTE_PUNCTUATION:
            case Character.OTHER_PUNCTUATION:
            case Character.MATH_SYMBOL:
            case Character.CURRENCY_SYMBOL:
            case Character.MODIFIER_SYMBOL:
            case Character.OTHER_SYMBOL:
                return true;
            default:
                return false;
        }
    }

    /** {@code model.IsValidMetricName} without UTF-8 names: {@code [a-zA-Z_:][a-zA-Z0-9_:]*}. */
    public static boolean isLegacyMetricName(String name) {
        return isLegacyName(name, true);
    }

    /** {@code model.LabelName.IsValid} without UTF-8 names: {@code [a-zA-Z_][a-zA-Z0-9_]*}. */
    public static boolean isLegacyLabelName(String name) {
        return isLegacyName(name, false);
    }

    private static boolean isLegacyName(String name, boolean colons) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            final boolean valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
                    || (colons && c == ':') || (i > 0 && c >= '0' && c <= '9');
            if (!valid) {
                return false;
            }
        }
        return true;
    }

    /** The value of an ASCII hex digit, or -1: Go's {@code unhex} ({@link Character#digit} also takes fullwidth ones). */
    public static int hexValue(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
