package io.cairn.server.migrate;

import io.cairn.core.model.GoStrings;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A strict JSON reader (RFC 8259) for the answers of {@code /api/v1/metrics}: objects become {@link LinkedHashMap}s
 * in document order, arrays {@link List}s, strings {@link String}s, numbers {@link BigDecimal}s, {@code true} and
 * {@code false} {@link Boolean}s and {@code null} Java {@code null}.
 *
 * <p>Strict means: exactly one value, surrounded by nothing but JSON whitespace; no comments, trailing commas,
 * single quotes, leading zeros, {@code NaN}, raw control characters in strings or unknown escapes; no key twice in
 * one object (Go's {@code encoding/json} never writes one twice, so a second one means the body is not what it
 * seems); the body must be valid UTF-8; nesting is limited to {@value #MAX_DEPTH} levels. The one leniency is Go's
 * own: a <code>&#92;u</code> escape of a lone surrogate becomes U+FFFD, as {@code encoding/json} decodes it.
 *
 * <p>Errors are {@link JsonException}s that name the line, column and byte offset, what was expected and what was
 * found.
 */
public final class JsonParser {
    /** Deeper than anything {@code /api/v1/metrics} writes (6 levels), shallow enough for any thread stack. */
    static final int MAX_DEPTH = 64;

    private final String text;
    private int pos;
    private int depth;

    private JsonParser(String text) {
        this.text = text;
    }

    /** The value of a whole body. */
    public static Object parse(byte[] body) throws JsonException {
        final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        final String text;
        try {
            text = decoder.decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new JsonException("the body is not valid UTF-8 (byte offset " + firstInvalidUtf8(body) + ")");
        }
        return parse(text);
    }

    /** The value of a whole text. */
    public static Object parse(String text) throws JsonException {
        final JsonParser parser = new JsonParser(text);
        parser.skipWhitespace();
        final Object value = parser.value();
        parser.skipWhitespace();
        if (parser.pos < text.length()) {
            throw parser.error("end of input after the top-level value");
        }
        return value;
    }

    private Object value() throws JsonException {
        if (pos >= text.length()) {
            throw error("a value");
        }
        final char c = text.charAt(pos);
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("a value");
        }
    }

    private Map<String, Object> object() throws JsonException {
        enter();
        final Map<String, Object> map = new LinkedHashMap<>();
        pos++;
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            depth--;
            return map;
        }
        for (;;) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("'\"' starting an object key");
            }
            final int keyPos = pos;
            final String key = string();
            if (map.containsKey(key)) {
                pos = keyPos;
                throw error("a key not seen before in this object", "duplicate key " + quote(key));
            }
            skipWhitespace();
            expect(':', "':' after an object key");
            skipWhitespace();
            map.put(key, value());
            skipWhitespace();
            final int next = peek();
            if (next == ',') {
                pos++;
            } else if (next == '}') {
                pos++;
                depth--;
                return map;
            } else {
                throw error("',' or '}' after an object member");
            }
        }
    }

    private List<Object> array() throws JsonException {
        enter();
        final List<Object> list = new ArrayList<>();
        pos++;
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            depth--;
            return list;
        }
        for (;;) {
            skipWhitespace();
            list.add(value());
            skipWhitespace();
            final int next = peek();
            if (next == ',') {
                pos++;
            } else if (next == ']') {
                pos++;
                depth--;
                return list;
            } else {
                throw error("',' or ']' after an array element");
            }
        }
    }

    private String string() throws JsonException {
        pos++;
        final int start = pos;
        // fast path: no escape before the closing quote
        while (pos < text.length()) {
            final char c = text.charAt(pos);
            if (c == '"') {
                return text.substring(start, pos++);
            }
            if (c == '\\' || c < 0x20) {
                break;
            }
            pos++;
        }
        final StringBuilder sb = new StringBuilder(text.length() - start < 64 ? 16 : 64);
        sb.append(text, start, pos);
        for (;;) {
            if (pos >= text.length()) {
                throw error("'\"' closing the string");
            }
            final char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c < 0x20) {
                throw error("a character of a string", "the control character U+" + hex4(c) + " (it must be escaped)");
            }
            if (c != '\\') {
                sb.append(c);
                pos++;
                continue;
            }
            pos++;
            final int e = peek();
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    sb.append((char) e);
                    break;
                case 'b':
                    sb.append('\b');
                    break;
                case 'f':
                    sb.append('\f');
                    break;
                case 'n':
                    sb.append('\n');
                    break;
                case 'r':
                    sb.append('\r');
                    break;
                case 't':
                    sb.append('\t');
                    break;
                case 'u':
                    pos++;
                    appendUnicodeEscape(sb);
                    continue;
                default:
                    throw error("one of \" \\ / b f n r t u after a backslash");
            }
            pos++;
        }
    }

    /** After <code>&#92;u</code>: four hex digits, joined with a following low surrogate escape to one code point. */
    private void appendUnicodeEscape(StringBuilder sb) throws JsonException {
        final char c = (char) hex4Digits();
        if (Character.isHighSurrogate(c) && text.startsWith("\\u", pos)) {
            final int save = pos;
            pos += 2;
            final char low = (char) hex4Digits();
            if (Character.isLowSurrogate(low)) {
                sb.append(c).append(low);
                return;
            }
            pos = save;
        }
        // a lone surrogate cannot be UTF-8: encoding/json decodes it as U+FFFD, so do we
        sb.append(Character.isSurrogate(c) ? '\uFFFD' : c);
    }

    private int hex4Digits() throws JsonException {
        int value = 0;
        for (int i = 0; i < 4; i++) {
            final int digit = GoStrings.hexValue(peek());
            if (digit < 0) {
                throw error("four hex digits after \\u");
            }
            value = value << 4 | digit;
            pos++;
        }
        return value;
    }

    private BigDecimal number() throws JsonException {
        final int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) {
                throw error("'.', 'e' or the end of the number after a leading 0");
            }
        } else if (!digits()) {
            throw error("a digit");
        }
        if (peek() == '.') {
            pos++;
            if (!digits()) {
                throw error("a digit after the decimal point");
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!digits()) {
                throw error("a digit in the exponent");
            }
        }
        try {
            return new BigDecimal(text.substring(start, pos));
        } catch (NumberFormatException e) {
            // only an exponent beyond int range gets here
            pos = start;
            throw error("a number of sensible size", "a number whose exponent is out of range");
        }
    }

    private boolean digits() {
        final int start = pos;
        while (isDigit(peek())) {
            pos++;
        }
        return pos > start;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private Object literal(String word, Object value) throws JsonException {
        if (!text.startsWith(word, pos)) {
            throw error("a value");
        }
        pos += word.length();
        return value;
    }

    private void enter() throws JsonException {
        if (++depth > MAX_DEPTH) {
            throw error("at most " + MAX_DEPTH + " nested arrays and objects", "a deeper one");
        }
    }

    private void expect(char c, String expected) throws JsonException {
        if (peek() != c) {
            throw error(expected);
        }
        pos++;
    }

    /** The character at the position, or -1 at the end. */
    private int peek() {
        return pos < text.length() ? text.charAt(pos) : -1;
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            final char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private JsonException error(String expected) {
        return error(expected, describe(pos));
    }

    private JsonException error(String expected, String found) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < pos && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        final int column = text.codePointCount(lineStart, Math.min(pos, text.length())) + 1;
        final int offset = text.substring(0, Math.min(pos, text.length())).getBytes(StandardCharsets.UTF_8).length;
        return new JsonException("invalid JSON at line " + line + ", column " + column + " (byte offset " + offset
                + "): expected " + expected + ", found " + found);
    }

    private String describe(int at) {
        if (at >= text.length()) {
            return "the end of the body";
        }
        final int c = text.codePointAt(at);
        if (c < 0x20 || c == 0x7f) {
            return "U+" + hex4(c);
        }
        return "'" + new String(Character.toChars(c)) + "'";
    }

    private static String hex4(int c) {
        final String hex = Integer.toHexString(c).toUpperCase(Locale.ROOT);
        return "0000".substring(Math.min(4, hex.length())) + hex;
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static int firstInvalidUtf8(byte[] body) {
        final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        final ByteBuffer in = ByteBuffer.wrap(body);
        final CharBuffer out = CharBuffer.allocate(body.length);
        return decoder.decode(in, out, true).isError() ? in.position() : body.length;
    }

    /** A body that is not JSON; the message says where and why. */
    public static final class JsonException extends Exception {
        private static final long serialVersionUID = 1L;

        JsonException(String message) {
            super(message, null, false, false);
        }
    }
}
