package io.cairn.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code strconv.ParseFloat(s, 64)} of Go. Rows marked "gateway" were checked against the Go Pushgateway 1.5.1
 * (push {@code a <s>}, scrape the value back: accepted and printed the same double, or rejected); the others
 * (hex floats and underscores, which expfmt refuses before calling ParseFloat) follow strconv/atof.go.
 * Expected values are Java literals; "reject" means Go returns an error.
 */
class GoFloatParserTest {
    private final GoFloatParser parser = new GoFloatParser();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // gateway
        "1e6 | 1e6",
        ".5 | 0.5",
        "5. | 5",
        "+5 | 5",
        "-0 | -0.0",
        "-.0 | -0.0",
        "0 | 0",
        "00012 | 12",
        "1E+2 | 100",
        "+.5e1 | 5",
        "-1.5e-07 | -1.5e-07",
        "123.456e-2 | 1.23456",
        "0.000001 | 1e-06",
        "0.1 | 0.1",
        "0.30000000000000004 | 0.30000000000000004",
        "7e-10 | 7e-10",
        "1e21 | 1e21",
        "1e22 | 1e22",
        "1e23 | 1e23",
        "100000000000000000000000 | 1e23",
        "123456789012345678901234567890 | 1.2345678901234568e+29",
        "9007199254740993 | 9007199254740992",
        "1.00000000000000011102230246251565404236316680908203125 | 1",
        "1.00000000000000011102230246251565404236316680908203124 | 1",
        "1.00000000000000011102230246251565404236316680908203126 | 1.0000000000000002",
        "2.2250738585072011e-308 | 2.225073858507201e-308",
        "2.2250738585072012e-308 | 2.2250738585072014e-308",
        "8.98846567431158e307 | 8.98846567431158e307",
        "1.7976931348623157e308 | 1.7976931348623157e308",
        "1.7976931348623158e308 | 1.7976931348623157e308",
        "4.9e-324 | 4.9e-324",
        "4e-320 | 4e-320",
        "2.4703282292062327e-324 | 0",
        "2.4703282292062328e-324 | 4.9e-324",
        "1e-400 | 0",
        "1e-99999999999 | 0",
        "0.0e99999999999 | 0",
        "inf | Infinity",
        "Infinity | Infinity",
        "INFINITY | Infinity",
        "+inf | Infinity",
        "-INFINITY | -Infinity",
        "nan | NaN",
        "NaN | NaN",
        "NAN | NaN",
        "1.7976931348623159e308 | reject",
        "1e99999999999 | reject",
        ".e1 | reject",
        ". | reject",
        "+ | reject",
        "- | reject",
        "++1 | reject",
        "1.5.2 | reject",
        "1e | reject",
        "1e+ | reject",
        "e1 | reject",
        "1e1.5 | reject",
        "Inf1 | reject",
        "infinityy | reject",
        "infinit | reject",
        "in | reject",
        "-nan | reject",
        "+NaN | reject",
        "0x | reject",
        "1f | reject",
        "1d | reject",
        "0x10 | reject",
        // strconv/atof.go
        "`` | reject",
        "` 1` | reject",
        "`1 ` | reject",
        "0b1 | reject",
        "0o7 | reject",
        "1_000 | 1000",
        "1_000.5 | 1000.5",
        "0_1 | 1",
        "1e1_0 | 1e10",
        "_1 | reject",
        "1_ | reject",
        "1__0 | reject",
        "1_.5 | reject",
        "1e_1 | reject",
        "0x1p-2 | 0.25",
        "0x1.8p1 | 3",
        "0X.8P1 | 1",
        "-0x1p-1074 | -4.9e-324",
        "0x1p-1075 | 0",
        "0x1.8p-1075 | 4.9e-324",
        "0x1.fffffffffffff7p1023 | 1.7976931348623157e308",
        "0x1.fffffffffffff8p1023 | reject",
        "0x1p1024 | reject",
        "0x_1p0 | 1",
        "0x1p1_0 | 1024",
        "0x1_p0 | reject",
        "0x1 | reject",
        "0x1p | reject",
        "0x.p1 | reject",
        "0x1.8 | reject",
        "0xg1p1 | reject",
    })
    void shouldParseAsStrconvParseFloat(String input, String expected) {
        final byte[] bytes = input.getBytes(StandardCharsets.US_ASCII);
        for (int run = 0; run < 2; run++) { // twice on the same instance
            final boolean ok = parser.parse(bytes, 0, bytes.length);
            if (expected.equals("reject")) {
                assertFalse(ok, input);
                continue;
            }
            assertTrue(ok, input);
            final double want = Double.parseDouble(expected);
            if (Double.isNaN(want)) {
                assertTrue(Double.isNaN(parser.value()), input);
            } else {
                assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(parser.value()),
                    input + " gave " + parser.value());
            }
        }
    }

    @Test
    void shouldParseAtAnOffset() {
        final byte[] bytes = "xx-2.5e3yy".getBytes(StandardCharsets.US_ASCII);
        assertTrue(parser.parse(bytes, 2, 6));
        assertEquals(-2500.0, parser.value());
    }

    @Test
    void shouldOfferAConvenienceMethod() {
        assertEquals(0.25, GoFloatParser.parseDouble("0x1p-2"));
        assertThrows(NumberFormatException.class, () -> GoFloatParser.parseDouble("1d"));
        assertThrows(NumberFormatException.class, () -> GoFloatParser.parseDouble("\u0661")); // Arabic-Indic one
    }

    @Test
    void shouldRoundLongMantissasCorrectly() {
        // beyond the fast path: 19+ significant digits and large exponents go through the slow path
        final String[] inputs = {"12345678901234567890123", "0.1000000000000000055511151231257827",
            "4.35679e-200", "1.2e300", "98765432109876543210e-30", "3.141592653589793238462643383279"};
        for (String input : inputs) {
            final byte[] bytes = input.getBytes(StandardCharsets.US_ASCII);
            assertTrue(parser.parse(bytes, 0, bytes.length), input);
            assertEquals(Double.parseDouble(input), parser.value(), input);
        }
    }
}
