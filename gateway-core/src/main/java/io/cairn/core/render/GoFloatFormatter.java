package io.cairn.core.render;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Formats doubles as Go's {@code strconv.FormatFloat(f, 'g', -1, 64)} does, which is how expfmt writes sample
 * values: the shortest decimal that reads back as the same double, in {@code %e} form when the decimal exponent
 * is below -4 or at least 6 ({@code 1e+06}, {@code 1.5e-07}), in {@code %f} form otherwise ({@code 100},
 * {@code 0.0001}); {@code NaN}, {@code +Inf}, {@code -Inf} as expfmt spells them.
 *
 * <p>JDK 17's {@link Double#toString(double)} gives the right digits in most cases but not always the
 * shortest (JDK-4511638, fixed in JDK 19), so its digits are shortened while they still round-trip.
 */
public final class GoFloatFormatter {
    /** Go's shortest 'g' switches to exponent form at this decimal exponent. */
    private static final int EXPONENT_FORM_FROM = 6;
    private static final int EXPONENT_FORM_BELOW = -4;
    private static final double SMALL_INTEGER_LIMIT = 1e6;

    private GoFloatFormatter() {
    }

    public static String format(double value) {
        final StringBuilder sb = new StringBuilder(24);
        append(sb, value);
        return sb.toString();
    }

    public static void append(StringBuilder sb, double value) {
        // fast path: small integers, the most common sample values
        if (value == Math.rint(value) && Math.abs(value) < SMALL_INTEGER_LIMIT) {
            if (value == 0 && Double.doubleToRawLongBits(value) != 0) {
                sb.append("-0");
            } else {
                sb.append((long) value);
            }
            return;
        }
        if (Double.isNaN(value)) {
            sb.append("NaN");
            return;
        }
        if (Double.isInfinite(value)) {
            sb.append(value > 0 ? "+Inf" : "-Inf");
            return;
        }
        appendSlow(sb, value);
    }

    private static void appendSlow(StringBuilder sb, double value) {
        if (value < 0) {
            sb.append('-');
            value = -value;
        }
        // digits and decimal exponent of the shortest representation
        final BigDecimal shortest = shortest(value);
        final String digits = shortest.unscaledValue().toString();
        final int exponent = digits.length() - 1 - shortest.scale();
        if (exponent < EXPONENT_FORM_BELOW || exponent >= EXPONENT_FORM_FROM) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            sb.append('e').append(exponent < 0 ? '-' : '+');
            final int abs = Math.abs(exponent);
            if (abs < 10) {
                sb.append('0');
            }
            sb.append(abs);
        } else if (exponent < 0) {
            sb.append("0.");
            for (int i = -1; i > exponent; i--) {
                sb.append('0');
            }
            sb.append(digits);
        } else if (digits.length() <= exponent + 1) {
            sb.append(digits);
            for (int i = digits.length(); i <= exponent; i++) {
                sb.append('0');
            }
        } else {
            sb.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
        }
    }

    /** The shortest decimal (no trailing zeros in the unscaled value) that parses back to {@code value}. */
    static BigDecimal shortest(double value) {
        BigDecimal candidate = new BigDecimal(Double.toString(value)).stripTrailingZeros();
        // JDK 17 sometimes emits one digit more than needed: drop digits while the result still round-trips
        for (int precision = candidate.precision() - 1; precision >= 1; precision--) {
            final BigDecimal shorter = candidate.round(new MathContext(precision, RoundingMode.HALF_EVEN));
            if (shorter.doubleValue() != value) {
                break;
            }
            candidate = shorter.stripTrailingZeros();
        }
        return candidate;
    }
}
