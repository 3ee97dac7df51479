package io.cairn.core.scrape;

/** The formats a scrape can be answered in. */
public enum ExpositionFormat {
    /** Text format 0.0.4, the Pushgateway's default. */
    TEXT,
    /** Delimited protobuf {@code MetricFamily} messages. */
    PROTOBUF,
    /** OpenMetrics 1.0 text, ending in {@code # EOF}. */
    OPENMETRICS
}
