package io.cairn.server.http;

import io.cairn.server.http.ScrapeResponder.Answer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Accept headers answered as expfmt negotiates them (goautoneg's parsing and order). */
class ScrapeNegotiationTest {
    @ParameterizedTest(name = "[{index}] {0} (OpenMetrics {1})")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        // no or unknown Accept: text
        "NULL | false | TEXT",
        "'' | false | TEXT",
        "application/json | false | TEXT",
        "*/* | false | TEXT",
        // Prometheus 2.x default, with and without OpenMetrics switched on
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1 | false | TEXT",
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1 | true | OPENMETRICS_1_0_0",
        "application/openmetrics-text; version=0.0.1 | true | OPENMETRICS_0_0_1",
        "application/openmetrics-text | true | OPENMETRICS_0_0_1",
        "application/openmetrics-text;version=2.0.0 | true | TEXT",
        // Prometheus with native histograms: protobuf first
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.8,"
                + "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"
                + " | true | PROTOBUF",
        // q decides before position; a q that does not parse is 0
        "text/plain;q=0.5,application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                + "encoding=delimited | false | PROTOBUF",
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=x,"
                + "text/plain;q=0.1 | false | TEXT",
        // parameters must match exactly: a quoted or missing one does not
        "application/vnd.google.protobuf;proto=\"io.prometheus.client.MetricFamily\";encoding=delimited | false"
                + " | TEXT",
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily | false | TEXT",
        // the protobuf text encodings are answered in text 0.0.4
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text | false | TEXT",
        "text/plain;version=0.0.3,application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                + "encoding=delimited | false | PROTOBUF",
    })
    void shouldNegotiateAsExpfmt(String accept, boolean openMetrics, Answer expected) {
        assertEquals(expected, ScrapeResponder.negotiate(accept, openMetrics));
    }
}
