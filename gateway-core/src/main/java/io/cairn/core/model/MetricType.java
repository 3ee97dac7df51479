package io.cairn.core.model;

/**
 * The five metric types of the Prometheus exposition formats, with the spellings each surface uses.
 * The ordinals follow {@code io.prometheus.client.MetricType} in {@code metrics.proto}.
 */
public enum MetricType {
    COUNTER("counter"),
    GAUGE("gauge"),
    SUMMARY("summary"),
    UNTYPED("untyped"),
    HISTOGRAM("histogram");

    private static final MetricType[] VALUES = values();

    private final String textName;

    MetricType(String textName) {
        this.textName = textName;
    }

    /** The spelling of a {@code # TYPE} line: {@code counter}, {@code gauge}, ... */
    public String textName() {
        return textName;
    }

    /** The spelling of {@code /api/v1/metrics} and of consistency errors: {@code COUNTER}, {@code GAUGE}, ... */
    public String apiName() {
        return name();
    }

    /** The type named by a {@code # TYPE} line, or {@code null} when the word is not a type. */
    public static MetricType fromTextName(String word) {
        for (MetricType type : VALUES) {
            if (type.textName.equals(word)) {
                return type;
            }
        }
        return null;
    }

    /** Summaries and histograms expose several sample names ({@code _sum}, {@code _count}, ...) per series. */
    public boolean isComposite() {
        return this == SUMMARY || this == HISTOGRAM;
    }
}
