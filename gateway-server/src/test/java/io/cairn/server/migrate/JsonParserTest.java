package io.cairn.server.migrate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class JsonParserTest {

    static Stream<Arguments> values() {
        final Map<String, Object> object = new LinkedHashMap<>();
        object.put("b", List.of(Boolean.TRUE, Boolean.FALSE));
        object.put("a", null);
        return Stream.of(
                arguments("{}", Map.of()),
                arguments(" [ ] ", List.of()),
                arguments("{\"b\":[true,false],\"a\":null}", object),
                arguments("\"x\"", "x"),
                arguments("-0.5e+3", new BigDecimal("-0.5e+3")),
                arguments("0", BigDecimal.ZERO),
                arguments("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t"),
                arguments("\"\\u003c\\u0026\\u2028\"", "<&\u2028"),
                arguments("\"\\ud83d\\ude00 \u00fc\"", "\uD83D\uDE00 \u00fc"),
                // encoding/json decodes a lone surrogate as U+FFFD
                arguments("\"\\ud83d.\"", "\uFFFD."),
                arguments("\"\\ude00\"", "\uFFFD"),
                arguments("\"\\ud83d\\u0041\"", "\uFFFDA"),
                arguments("\t\r\n{\"k\" : \"v\"}\n", Map.of("k", "v")));
    }

    @ParameterizedTest
    @MethodSource("values")
    void shouldReadValue(String json, Object expected) throws Exception {
        assertEquals(expected, JsonParser.parse(json));
        assertEquals(expected, JsonParser.parse(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** The error catalogue: (input, exact message); a row per mistake worth a precise answer. */
    static Stream<Arguments> errors() {
        return Stream.of(
                arguments("", "invalid JSON at line 1, column 1 (byte offset 0): expected a value, found the end of"
                        + " the body"),
                arguments("<html>", "invalid JSON at line 1, column 1 (byte offset 0): expected a value, found '<'"),
                arguments("{\"a\":1,}", "invalid JSON at line 1, column 8 (byte offset 7): expected '\"' starting an"
                        + " object key, found '}'"),
                arguments("[1,]", "invalid JSON at line 1, column 4 (byte offset 3): expected a value, found ']'"),
                arguments("{\"a\" 1}", "invalid JSON at line 1, column 6 (byte offset 5): expected ':' after an object"
                        + " key, found '1'"),
                arguments("{\"a\":1 \"b\":2}", "invalid JSON at line 1, column 8 (byte offset 7): expected ',' or '}'"
                        + " after an object member, found '\"'"),
                arguments("[1 2]", "invalid JSON at line 1, column 4 (byte offset 3): expected ',' or ']' after an"
                        + " array element, found '2'"),
                arguments("{'a':1}", "invalid JSON at line 1, column 2 (byte offset 1): expected '\"' starting an"
                        + " object key, found '''"),
                arguments("{\"a\":1,\n \"a\":2}", "invalid JSON at line 2, column 2 (byte offset 9): expected a key"
                        + " not seen before in this object, found duplicate key \"a\""),
                arguments("01", "invalid JSON at line 1, column 2 (byte offset 1): expected '.', 'e' or the end of the"
                        + " number after a leading 0, found '1'"),
                arguments("-", "invalid JSON at line 1, column 2 (byte offset 1): expected a digit, found the end of"
                        + " the body"),
                arguments("1.", "invalid JSON at line 1, column 3 (byte offset 2): expected a digit after the decimal"
                        + " point, found the end of the body"),
                arguments("1e", "invalid JSON at line 1, column 3 (byte offset 2): expected a digit in the exponent,"
                        + " found the end of the body"),
                arguments("NaN", "invalid JSON at line 1, column 1 (byte offset 0): expected a value, found 'N'"),
                arguments("tru", "invalid JSON at line 1, column 1 (byte offset 0): expected a value, found 't'"),
                arguments("\"a\u0001\"", "invalid JSON at line 1, column 3 (byte offset 2): expected a character of a"
                        + " string, found the control character U+0001 (it must be escaped)"),
                arguments("\"a\nb\"", "invalid JSON at line 1, column 3 (byte offset 2): expected a character of a"
                        + " string, found the control character U+000A (it must be escaped)"),
                arguments("\"\\x\"", "invalid JSON at line 1, column 3 (byte offset 2): expected one of \" \\ / b f n"
                        + " r t u after a backslash, found 'x'"),
                arguments("\"\\u12g4\"", "invalid JSON at line 1, column 6 (byte offset 5): expected four hex digits"
                        + " after \\u, found 'g'"),
                arguments("\"\\u\uff11234\"", "invalid JSON at line 1, column 4 (byte offset 3): expected four hex"
                        + " digits after \\u, found '\uff11'"),
                arguments("\"abc", "invalid JSON at line 1, column 5 (byte offset 4): expected '\"' closing the"
                        + " string, found the end of the body"),
                arguments("\"\u00fc\" x", "invalid JSON at line 1, column 5 (byte offset 5): expected end of input"
                        + " after the top-level value, found 'x'"),
                arguments("{} {}", "invalid JSON at line 1, column 4 (byte offset 3): expected end of input after the"
                        + " top-level value, found '{'"),
                arguments("1e99999999999", "invalid JSON at line 1, column 1 (byte offset 0): expected a number of"
                        + " sensible size, found a number whose exponent is out of range"),
                arguments("[".repeat(65) + "]".repeat(65), "invalid JSON at line 1, column 65 (byte offset 64):"
                        + " expected at most 64 nested arrays and objects, found a deeper one"),
                arguments("\u00a0{}", "invalid JSON at line 1, column 1 (byte offset 0): expected a value, found"
                        + " '\u00a0'"));
    }

    @ParameterizedTest
    @MethodSource("errors")
    void shouldRejectWithPreciseMessage(String json, String message) {
        assertEquals(message, assertThrows(JsonParser.JsonException.class, () -> JsonParser.parse(json))
                .getMessage());
        assertEquals(message, assertThrows(JsonParser.JsonException.class,
                () -> JsonParser.parse(json.getBytes(StandardCharsets.UTF_8))).getMessage());
    }

    @Test
    void shouldRejectBodyThatIsNotUtf8() {
        final byte[] body = Arrays.copyOf("{\"a\":\"x".getBytes(StandardCharsets.UTF_8), 10);
        body[7] = (byte) 0xff;
        body[8] = '"';
        body[9] = '}';

        assertEquals("the body is not valid UTF-8 (byte offset 7)",
                assertThrows(JsonParser.JsonException.class, () -> JsonParser.parse(body)).getMessage());
    }

    @Test
    void shouldAcceptNestingUpToTheLimit() throws Exception {
        final String json = "[".repeat(JsonParser.MAX_DEPTH) + "]".repeat(JsonParser.MAX_DEPTH);

        Object value = JsonParser.parse(json);
        for (int i = 1; i < JsonParser.MAX_DEPTH; i++) {
            value = ((List<?>) value).get(0);
        }
        assertEquals(List.of(), value);
    }
}
