package io.cairn.core.render;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * Writes the pieces of text format 0.0.4 as expfmt writes them ({@code expfmt/text_create.go}): escaped label
 * values and HELP texts, Go-formatted numbers, family headers.
 */
public final class TextWriter {
    private TextWriter() {
    }

    /** Writes a label value escaped as expfmt does: backslash, newline and double quote. */
    public static void writeLabelValue(ByteBuf out, String value) {
        if (!needsEscape(value, true)) {
            ByteBufUtil.writeUtf8(out, value);
            return;
        }
        writeEscaped(out, value, true);
    }

    /** Writes a HELP text escaped as expfmt does: backslash and newline only. */
    public static void writeHelp(ByteBuf out, String help) {
        if (!needsEscape(help, false)) {
            ByteBufUtil.writeUtf8(out, help);
            return;
        }
        writeEscaped(out, help, false);
    }

    private static boolean needsEscape(String s, boolean quote) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '\\' || c == '\n' || (quote && c == '"')) {
                return true;
            }
        }
        return false;
    }

    private static void writeEscaped(ByteBuf out, String s, boolean quote) {
        final StringBuilder sb = new StringBuilder(s.length() + 8);
        appendEscaped(sb, s, quote);
        ByteBufUtil.writeUtf8(out, sb);
    }

    /**
     * Appends {@code s} escaped as expfmt escapes it: backslash and newline always, the double quote too when
     * {@code quote} (label values; HELP texts keep it).
     */
    public static void appendEscaped(StringBuilder sb, String s, boolean quote) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '\\') {
                sb.append("\\\\");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (quote && c == '"') {
                sb.append("\\\"");
            } else {
                sb.append(c);
            }
        }
    }

    /**
     * Writes a sample value as expfmt's {@code writeFloat}: Go's {@code strconv.FormatFloat(v, 'g', -1, 64)}, except
     * that zero is always {@code 0} (expfmt tests {@code f == 0}, which negative zero passes).
     */
    public static void writeFloat(ByteBuf out, double value, StringBuilder scratch) {
        if (value == Math.rint(value) && Math.abs(value) < 1e6) {
            // fast path: small integers (negative zero included), written without a detour through a String
            writeLong(out, (long) value);
            return;
        }
        scratch.setLength(0);
        GoFloatFormatter.append(scratch, value);
        ByteBufUtil.writeAscii(out, scratch);
    }

    public static void writeLong(ByteBuf out, long value) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                ByteBufUtil.writeAscii(out, Long.toString(value));
                return;
            }
            out.writeByte('-');
            value = -value;
        }
        if (value < 10) {
            out.writeByte('0' + (int) value);
            return;
        }
        final int start = out.writerIndex();
        while (value > 0) {
            out.writeByte('0' + (int) (value % 10));
            value /= 10;
        }
        // reverse the digits in place
        int i = start;
        int j = out.writerIndex() - 1;
        while (i < j) {
            final byte t = out.getByte(i);
            out.setByte(i, out.getByte(j));
            out.setByte(j, t);
            i++;
            j--;
        }
    }

    /** Writes {@code # HELP name help\n} (when help is non-null) and {@code # TYPE name type\n}. */
    public static void writeHeader(ByteBuf out, String name, String help, String typeName) {
        if (help != null) {
            ByteBufUtil.writeAscii(out, "# HELP ");
            ByteBufUtil.writeUtf8(out, name);
            out.writeByte(' ');
            writeHelp(out, help);
            out.writeByte('\n');
        }
        ByteBufUtil.writeAscii(out, "# TYPE ");
        ByteBufUtil.writeUtf8(out, name);
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, typeName);
        out.writeByte('\n');
    }
}
