package io.cairn.core.render;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Expected strings are Go's {@code strconv.FormatFloat(v, 'g', -1, 64)}, as the Go Pushgateway prints them. */
class GoFloatFormatterTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1|1",
        "0|0",
        "-0.0|-0",
        "100|100",
        "123456|123456",
        "999999|999999",
        "1e6|1e+06",
        "1234567|1.234567e+06",
        "0.00001|1e-05",
        "0.0001|0.0001",
        "0.5|0.5",
        "1.5E-7|1.5e-07",
        "1e21|1e+21",
        "123456789012345678|1.2345678901234568e+17",
        "-2.5e-3|-0.0025",
        "0.1|0.1",
        "-5|-5",
        "17.5|17.5",
        "2.5|2.5",
        "0.3333333333333333|0.3333333333333333",
        "5e-324|5e-324",
        "1.7976931348623157e308|1.7976931348623157e+308",
        "5.684341886080802e-14|5.684341886080802e-14",
        "2e-3|0.002",
        "999999.9|999999.9",
        "1e100|1e+100",
        "1.0E23|1e+23",
        "1764082213.1234567|1.7640822131234567e+09",
        "NaN|NaN",
        "Infinity|+Inf",
        "-Infinity|-Inf",
    })
    void shouldFormatAsGoStrconvShortestG(String input, String expected) {
        final double value = Double.parseDouble(input);
        assertEquals(expected, GoFloatFormatter.format(value));
        assertEquals(expected, GoFloatFormatter.format(value), "formatter keeps no state");
    }

    @ParameterizedTest
    @CsvSource({"2.0E-3", "1.0E23", "5.684341886080802E-14", "9.007199254740993E15", "4.35E-7", "1.1E-5"})
    void shouldRoundTripEveryDigitString(String input) {
        final double value = Double.parseDouble(input);
        assertEquals(value, Double.parseDouble(GoFloatFormatter.format(value)));
    }
}
