package io.cairn.server.log;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The server's logger: one line per event on stderr, in the Go Pushgateway's formats (go-kit via
 * {@code prometheus/common/promlog}), without the {@code caller} field:
 * <pre>
 * logfmt: ts=2026-11-25T14:50:13.123Z level=info msg="Starting cairn" version=0.1.0
 * json:   {"ts":"2026-11-25T14:50:13.123Z","level":"info","msg":"Starting cairn","version":"0.1.0"}
 * </pre>
 * Key-value pairs follow the message: {@code log.info("Listening on", "address", address)}; a key without a value
 * gets {@code (MISSING)}, as in go-kit. logfmt values are quoted when they contain a space, {@code =}, {@code "} or
 * a control character, and escaped as {@code go-logfmt} does; JSON values are strings, except numbers, booleans
 * and {@code null}.
 *
 * <p>Thread-safe: a line is built privately and written with one call. A disabled level costs a comparison; the
 * overloads with up to two pairs allocate nothing when disabled, the varargs one its array (guard it with {@link
 * #isEnabled(Level)} on hot paths).
 */
public final class Log {

    /** Severity, lowest first. */
    public enum Level {
        DEBUG("debug"),
        INFO("info"),
        WARN("warn"),
        ERROR("error");

        private final String label;

        Level(String label) {
            this.label = label;
        }

        /** The spelling of {@code --log.level} and of the {@code level} field. */
        public String label() {
            return label;
        }

        /** The level spelled {@code label} ({@code debug}, {@code info}, ...), or {@code null}. */
        public static Level fromLabel(String label) {
            for (Level level : values()) {
                if (level.label.equals(label)) {
                    return level;
                }
            }
            return null;
        }
    }

    /** Line format. */
    public enum Format {
        LOGFMT("logfmt"),
        JSON("json");

        private final String label;

        Format(String label) {
            this.label = label;
        }

        /** The spelling of {@code --log.format}. */
        public String label() {
            return label;
        }

        /** The format spelled {@code label} ({@code logfmt}, {@code json}), or {@code null}. */
        public static Format fromLabel(String label) {
            for (Format format : values()) {
                if (format.label.equals(label)) {
                    return format;
                }
            }
            return null;
        }
    }

    /** promlog's timestamp layout, {@code 2006-01-02T15:04:05.000Z07:00}, always in UTC. */
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final String MISSING_VALUE = "(MISSING)";
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final Level level;
    private final Format format;
    private final PrintStream out;
    private final Clock clock;

    private Log(Level level, Format format, PrintStream out, Clock clock) {
        this.level = level;
        this.format = format;
        this.out = out;
        this.clock = clock;
    }

    /** A logger writing to {@code System.err} with the system clock. */
    public static Log create(Level level, Format format) {
        return new Log(level, format, System.err, Clock.systemUTC());
    }

    /** A logger writing to {@code out}, stamping lines with {@code clock}. */
    public static Log create(Level level, Format format, PrintStream out, Clock clock) {
        return new Log(level, format, out, clock);
    }

    public Level level() {
        return level;
    }

    public Format format() {
        return format;
    }

    public boolean isEnabled(Level candidate) {
        return candidate.ordinal() >= level.ordinal();
    }

    // ------------------------------------------------------------------ debug

    public void debug(String msg) {
        if (isEnabled(Level.DEBUG)) {
            write(Level.DEBUG, msg);
        }
    }

    public void debug(String msg, String key, Object value) {
        if (isEnabled(Level.DEBUG)) {
            write(Level.DEBUG, msg, key, value);
        }
    }

    public void debug(String msg, String key1, Object value1, String key2, Object value2) {
        if (isEnabled(Level.DEBUG)) {
            write(Level.DEBUG, msg, key1, value1, key2, value2);
        }
    }

    public void debug(String msg, Object... keyValues) {
        if (isEnabled(Level.DEBUG)) {
            write(Level.DEBUG, msg, keyValues);
        }
    }

    // ------------------------------------------------------------------ info

    public void info(String msg) {
        if (isEnabled(Level.INFO)) {
            write(Level.INFO, msg);
        }
    }

    public void info(String msg, String key, Object value) {
        if (isEnabled(Level.INFO)) {
            write(Level.INFO, msg, key, value);
        }
    }

    public void info(String msg, String key1, Object value1, String key2, Object value2) {
        if (isEnabled(Level.INFO)) {
            write(Level.INFO, msg, key1, value1, key2, value2);
        }
    }

    public void info(String msg, Object... keyValues) {
        if (isEnabled(Level.INFO)) {
            write(Level.INFO, msg, keyValues);
        }
    }

    // ------------------------------------------------------------------ warn

    public void warn(String msg) {
        if (isEnabled(Level.WARN)) {
            write(Level.WARN, msg);
        }
    }

    public void warn(String msg, String key, Object value) {
        if (isEnabled(Level.WARN)) {
            write(Level.WARN, msg, key, value);
        }
    }

    public void warn(String msg, String key1, Object value1, String key2, Object value2) {
        if (isEnabled(Level.WARN)) {
            write(Level.WARN, msg, key1, value1, key2, value2);
        }
    }

    public void warn(String msg, Object... keyValues) {
        if (isEnabled(Level.WARN)) {
            write(Level.WARN, msg, keyValues);
        }
    }

    // ------------------------------------------------------------------ error

    public void error(String msg) {
        if (isEnabled(Level.ERROR)) {
            write(Level.ERROR, msg);
        }
    }

    public void error(String msg, String key, Object value) {
        if (isEnabled(Level.ERROR)) {
            write(Level.ERROR, msg, key, value);
        }
    }

    public void error(String msg, String key1, Object value1, String key2, Object value2) {
        if (isEnabled(Level.ERROR)) {
            write(Level.ERROR, msg, key1, value1, key2, value2);
        }
    }

    public void error(String msg, Object... keyValues) {
        if (isEnabled(Level.ERROR)) {
            write(Level.ERROR, msg, keyValues);
        }
    }

    /** Logs at {@code at} if that level is enabled. */
    public void log(Level at, String msg, Object... keyValues) {
        if (isEnabled(at)) {
            write(at, msg, keyValues);
        }
    }

    // ------------------------------------------------------------------ line building

    private void write(Level at, String msg, Object... keyValues) {
        final StringBuilder line = new StringBuilder(128);
        final String ts = TIMESTAMP.format(clock.instant());
        if (format == Format.JSON) {
            line.append('{');
            appendJsonPair(line, "ts", ts);
            line.append(',');
            appendJsonPair(line, "level", at.label);
            line.append(',');
            appendJsonPair(line, "msg", msg);
            for (int i = 0; i < keyValues.length; i += 2) {
                line.append(',');
                appendJsonPair(line, String.valueOf(keyValues[i]),
                        i + 1 < keyValues.length ? keyValues[i + 1] : MISSING_VALUE);
            }
            line.append('}');
        } else {
            line.append("ts=").append(ts).append(" level=").append(at.label).append(" msg=");
            appendLogfmtValue(line, msg);
            for (int i = 0; i < keyValues.length; i += 2) {
                line.append(' ');
                appendLogfmtKey(line, String.valueOf(keyValues[i]));
                line.append('=');
                appendLogfmtValue(line, i + 1 < keyValues.length ? keyValues[i + 1] : MISSING_VALUE);
            }
        }
        final byte[] bytes = line.append('\n').toString().getBytes(StandardCharsets.UTF_8);
        synchronized (out) {
            out.write(bytes, 0, bytes.length);
            out.flush();
        }
    }

    private static String text(Object value) {
        if (value instanceof Throwable) {
            final String message = ((Throwable) value).getMessage();
            return message != null ? message : value.toString();
        }
        return String.valueOf(value);
    }

    // ------------------------------------------------------------------ logfmt (go-logfmt's rules)

    private static void appendLogfmtKey(StringBuilder line, String key) {
        if (key.isEmpty()) {
            line.append('_');
            return;
        }
        for (int i = 0; i < key.length(); i++) {
            final char c = key.charAt(i);
            line.append(needsLogfmtQuotes(c) || Character.isSurrogate(c) ? '_' : c);
        }
    }

    private static void appendLogfmtValue(StringBuilder line, Object value) {
        if (value == null) {
            line.append("null");
            return;
        }
        final String s = text(value);
        if (s.equals("null")) {
            line.append("\"null\""); // a string "null", not a nil
            return;
        }
        if (!needsLogfmtQuotes(s)) {
            line.append(s); // fast path: nothing to quote
            return;
        }
        line.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '\\':
                case '"':
                    line.append('\\').append(c);
                    break;
                case '\n':
                    line.append("\\n");
                    break;
                case '\r':
                    line.append("\\r");
                    break;
                case '\t':
                    line.append("\\t");
                    break;
                default:
                    if (c < 0x20 || c == 0x7f) {
                        appendUnicodeEscape(line, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        line.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c) || c == '\ufffd') {
                        line.append("\\ufffd"); // Go writes every utf8.RuneError so
                    } else {
                        line.append(c);
                    }
            }
        }
        line.append('"');
    }

    /** go-logfmt's {@code needsQuotedValueRune} over the runes of {@code s}; a lone surrogate is Go's RuneError. */
    private static boolean needsLogfmtQuotes(String s) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (needsLogfmtQuotes(c) || Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static boolean needsLogfmtQuotes(char c) {
        return c <= ' ' || c == '=' || c == '"' || c == 0x7f || c == '\ufffd';
    }

    // ------------------------------------------------------------------ JSON (encoding/json, HTML escaping off)

    private static void appendJsonPair(StringBuilder line, String key, Object value) {
        appendJsonString(line, key);
        line.append(':');
        if (value == null) {
            line.append("null");
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long
                || value instanceof Short || value instanceof Byte) {
            line.append(value);
        } else if ((value instanceof Double || value instanceof Float)
                && Double.isFinite(((Number) value).doubleValue())) {
            line.append(value);
        } else {
            appendJsonString(line, text(value));
        }
    }

    private static void appendJsonString(StringBuilder line, String s) {
        line.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '\\':
                case '"':
                    line.append('\\').append(c);
                    break;
                case '\n':
                    line.append("\\n");
                    break;
                case '\r':
                    line.append("\\r");
                    break;
                case '\t':
                    line.append("\\t");
                    break;
                case '\u2028':
                case '\u2029':
                    appendUnicodeEscape(line, c); // encoding/json escapes these even without HTML escaping
                    break;
                default:
                    if (c < 0x20) {
                        appendUnicodeEscape(line, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        line.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        line.append("\\ufffd");
                    } else {
                        line.append(c);
                    }
            }
        }
        line.append('"');
    }

    private static void appendUnicodeEscape(StringBuilder line, char c) {
        line.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf])
                .append(HEX[c & 0xf]);
    }
}
