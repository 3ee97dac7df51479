package io.cairn.core.text;

import java.nio.charset.StandardCharsets;

/**
 * Reads a number exactly as Go's {@code strconv.ParseFloat(s, 64)} does: the same syntax is accepted, the same
 * double is returned (correctly rounded, ties to even), and out-of-range values are rejected as Go rejects them
 * with {@code ErrRange}.
 *
 * <p>Accepted, case-insensitively where letters appear:
 * <pre>
 *   [+-]? ( inf | infinity )            NaN (unsigned only)
 *   [+-]? digits [. digits] [e [+-]? digits]      with "digits" possibly empty on one side of the dot ("5.", ".5")
 *   [+-]? 0x hexdigits [. hexdigits] p [+-]? digits   the binary exponent is mandatory
 * </pre>
 * Underscores may separate digits (after a base prefix too) as in Go literals: {@code 1_000}, {@code 0x_1p0}.
 * Rejected: empty strings, leading or trailing spaces, Java's {@code d}/{@code f} suffixes, {@code +NaN},
 * {@code inf} followed by anything but {@code inity}, and finite syntax whose value rounds to infinity
 * ({@code 1e309}). Underflow is not an error: {@code 1e-400} is 0.
 *
 * <p>Note that expfmt (the text format) rejects any number containing {@code p}, {@code P} or {@code _} before it
 * calls {@code ParseFloat}; that rule belongs to {@link TextFormatParser}, not here.
 *
 * <p>Not thread-safe: one instance per parser. {@link #value()} is valid until the next call to {@link #parse}.
 */
public final class GoFloatParser {
    private static final double[] EXACT_POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    };
    /** Mantissas below 2^53 convert to double exactly (the Clinger fast path). */
    private static final long MAX_EXACT_MANTISSA = 1L << 53;
    private static final int MAX_FAST_DIGITS = 18;
    /** Go stops accumulating exponent digits at 10000; anything that large is zero or infinity anyway. */
    private static final int EXPONENT_CAP = 10_000;

    // results of special()
    private static final int SPECIAL_NONE = 0;
    private static final int SPECIAL_PREFIX = 1;
    private static final int SPECIAL_WHOLE = 2;
    // results of readExponent()
    private static final int EXPONENT_OK = 0;
    private static final int EXPONENT_WITH_UNDERSCORES = 1;
    private static final int EXPONENT_INVALID = 2;

    private final StringBuilder slowPath = new StringBuilder(32);
    private double value;
    private int lastExponent;

    /**
     * Parses {@code length} bytes from {@code offset}.
     *
     * @return whether {@code strconv.ParseFloat} would return a nil error; the value is then in {@link #value()}
     */
    public boolean parse(byte[] bytes, int offset, int length) {
        if (length == 0) {
            return false;
        }
        final int end = offset + length;
        final int first = bytes[offset];
        if (first == '+' || first == '-' || first == 'i' || first == 'I' || first == 'n' || first == 'N') {
            final int special = special(bytes, offset, end);
            if (special == SPECIAL_WHOLE) {
                return true;
            }
            if (special == SPECIAL_PREFIX) {
                return false; // Go: special() matched a prefix, ParseFloat then fails with ErrSyntax
            }
        }
        int i = offset;
        boolean negative = false;
        if (bytes[i] == '+') {
            i++;
        } else if (bytes[i] == '-') {
            negative = true;
            i++;
        }
        if (i + 2 < end && bytes[i] == '0' && (bytes[i + 1] | 0x20) == 'x') {
            return parseHex(bytes, offset, i + 2, end);
        }
        return parseDecimal(bytes, offset, i, end, negative);
    }

    /** The value of the last successful {@link #parse}. */
    public double value() {
        return value;
    }

    /**
     * Convenience for code off the hot path: {@code strconv.ParseFloat(s, 64)}.
     *
     * @throws NumberFormatException where Go returns an error
     */
    public static double parseDouble(CharSequence text) {
        final byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        final GoFloatParser parser = new GoFloatParser();
        if (!parser.parse(bytes, 0, bytes.length)) {
            throw new NumberFormatException("strconv.ParseFloat: parsing \"" + text + "\": invalid syntax or range");
        }
        return parser.value;
    }

    // strconv.special: a signed "inf"/"infinity" or an unsigned "nan", ignoring case
    private int special(byte[] bytes, int offset, int end) {
        int i = offset;
        double sign = 1;
        final int first = bytes[i];
        if (first == 'n' || first == 'N') {
            if (commonPrefixLengthIgnoreCase(bytes, i, end, "nan") == 3) {
                value = Double.NaN;
                return end - i == 3 ? SPECIAL_WHOLE : SPECIAL_PREFIX;
            }
            return SPECIAL_NONE;
        }
        if (first == '+' || first == '-') {
            sign = first == '-' ? -1 : 1;
            i++;
        }
        int n = commonPrefixLengthIgnoreCase(bytes, i, end, "infinity");
        if (n > 3 && n < 8) {
            n = 3;
        }
        if (n == 3 || n == 8) {
            value = sign * Double.POSITIVE_INFINITY;
            return end - i == n ? SPECIAL_WHOLE : SPECIAL_PREFIX;
        }
        return SPECIAL_NONE;
    }

    private static int commonPrefixLengthIgnoreCase(byte[] bytes, int offset, int end, String lowerPrefix) {
        final int n = Math.min(lowerPrefix.length(), end - offset);
        for (int k = 0; k < n; k++) {
            int c = bytes[offset + k];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lowerPrefix.charAt(k)) {
                return k;
            }
        }
        return n;
    }

    // strconv.readFloat for base 10, then the conversion
    private boolean parseDecimal(byte[] bytes, int offset, int start, int end, boolean negative) {
        boolean underscores = false;
        boolean sawDot = false;
        boolean sawDigits = false;
        long mantissa = 0;
        int significantDigits = 0;
        int decimalPoint = 0; // position of the dot relative to the significant digits
        int i = start;
        for (; i < end; i++) {
            final int c = bytes[i];
            if (c == '_') {
                underscores = true;
            } else if (c == '.') {
                if (sawDot) {
                    return false;
                }
                sawDot = true;
                decimalPoint = significantDigits;
            } else if (c >= '0' && c <= '9') {
                sawDigits = true;
                if (c == '0' && significantDigits == 0) {
                    decimalPoint--; // leading zero
                    continue;
                }
                if (significantDigits < MAX_FAST_DIGITS) {
                    mantissa = mantissa * 10 + (c - '0');
                }
                significantDigits++;
            } else {
                break;
            }
        }
        if (!sawDigits) {
            return false;
        }
        if (!sawDot) {
            decimalPoint = significantDigits;
        }
        int exponent = 0;
        if (i < end && (bytes[i] | 0x20) == 'e') {
            final int status = readExponent(bytes, i + 1, end);
            if (status == EXPONENT_INVALID) {
                return false;
            }
            underscores |= status == EXPONENT_WITH_UNDERSCORES;
            exponent = lastExponent;
            i = end;
        }
        if (i != end) {
            return false;
        }
        if (underscores && !underscoreOk(bytes, offset, end)) {
            return false;
        }
        if (significantDigits == 0) {
            value = negative ? -0.0 : 0.0;
            return true;
        }
        // fast path: an exact mantissa times or divided by an exact power of ten rounds correctly
        if (significantDigits <= MAX_FAST_DIGITS && mantissa < MAX_EXACT_MANTISSA) {
            final int exponent10 = decimalPoint - significantDigits + exponent;
            if (exponent10 >= -22 && exponent10 <= 22) {
                final double magnitude = exponent10 >= 0
                    ? (double) mantissa * EXACT_POWERS_OF_TEN[exponent10]
                    : (double) mantissa / EXACT_POWERS_OF_TEN[-exponent10];
                value = negative ? -magnitude : magnitude;
                return true;
            }
        }
        return slowPath(bytes, offset, end);
    }

    // strconv.readFloat for base 16: the mantissa digits follow "0x", the binary exponent is mandatory
    private boolean parseHex(byte[] bytes, int offset, int start, int end) {
        boolean underscores = false;
        boolean sawDot = false;
        boolean sawDigits = false;
        int i = start;
        for (; i < end; i++) {
            final int c = bytes[i];
            if (c == '_') {
                underscores = true;
            } else if (c == '.') {
                if (sawDot) {
                    return false;
                }
                sawDot = true;
            } else if (isHexDigit(c)) {
                sawDigits = true;
            } else {
                break;
            }
        }
        if (!sawDigits || i == end || (bytes[i] | 0x20) != 'p') {
            return false;
        }
        final int status = readExponent(bytes, i + 1, end);
        if (status == EXPONENT_INVALID) {
            return false;
        }
        underscores |= status == EXPONENT_WITH_UNDERSCORES;
        if (underscores && !underscoreOk(bytes, offset, end)) {
            return false;
        }
        return slowPath(bytes, offset, end);
    }

    /**
     * Reads {@code [+-]? digit (digit | _)*} that must run to {@code end} into {@link #lastExponent}; returns {@code
     * EXPONENT_INVALID} when the syntax is wrong or bytes are left over.
     */
    private int readExponent(byte[] bytes, int i, int end) {
        if (i >= end) {
            return EXPONENT_INVALID;
        }
        int sign = 1;
        if (bytes[i] == '+') {
            i++;
        } else if (bytes[i] == '-') {
            sign = -1;
            i++;
        }
        if (i >= end || bytes[i] < '0' || bytes[i] > '9') {
            return EXPONENT_INVALID;
        }
        boolean underscores = false;
        int e = 0;
        for (; i < end; i++) {
            final int c = bytes[i];
            if (c == '_') {
                underscores = true;
            } else if (c >= '0' && c <= '9') {
                if (e < EXPONENT_CAP) {
                    e = e * 10 + (c - '0');
                }
            } else {
                return EXPONENT_INVALID;
            }
        }
        lastExponent = sign * e;
        return underscores ? EXPONENT_WITH_UNDERSCORES : EXPONENT_OK;
    }

    // strconv.underscoreOK: underscores only between digits, or between a base prefix and a digit
    private static boolean underscoreOk(byte[] bytes, int offset, int end) {
        int i = offset;
        if (i < end && (bytes[i] == '+' || bytes[i] == '-')) {
            i++;
        }
        char saw = '^';
        boolean hex = false;
        if (end - i >= 2 && bytes[i] == '0') {
            final int prefix = bytes[i + 1] | 0x20;
            if (prefix == 'b' || prefix == 'o' || prefix == 'x') {
                i += 2;
                saw = '0';
                hex = prefix == 'x';
            }
        }
        for (; i < end; i++) {
            final int c = bytes[i];
            if ((c >= '0' && c <= '9') || (hex && isHexLetter(c))) {
                saw = '0';
                continue;
            }
            if (c == '_') {
                if (saw != '0') {
                    return false;
                }
                saw = '_';
                continue;
            }
            if (saw == '_') {
                return false;
            }
            saw = '!';
        }
        return saw != '_';
    }

    private static boolean isHexDigit(int c) {
        return (c >= '0' && c <= '9') || isHexLetter(c);
    }

    private static boolean isHexLetter(int c) {
        final int lower = c | 0x20;
        return lower >= 'a' && lower <= 'f';
    }

    /**
     * slow path: the syntax has been checked to be Go's, which without underscores is also Java's (decimal and
     * {@code 0x...p...} hex), and {@link Double#parseDouble} rounds correctly. Infinity from finite syntax is Go's
     * ErrRange.
     */
    private boolean slowPath(byte[] bytes, int offset, int end) {
        final StringBuilder text = slowPath;
        text.setLength(0);
        for (int i = offset; i < end; i++) {
            if (bytes[i] != '_') {
                text.append((char) bytes[i]);
            }
        }
        final double parsed = Double.parseDouble(text.toString());
        if (Double.isInfinite(parsed)) {
            return false;
        }
        value = parsed;
        return true;
    }
}
