package io.cairn.core.model;

import java.util.ArrayList;

/**
 * One metric family of a decoded push (the equivalent of a {@code MetricFamily} message): a name, an optional
 * HELP text, a type and its metrics. Mutable and reused through {@link PushContent}.
 */
public final class PushedFamily {
    private final ArrayList<PushedMetric> metrics = new ArrayList<>();
    private int metricCount;
    private String name;
    private String help;
    private MetricType type;

    void reset(String name) {
        for (int i = 0; i < metricCount; i++) {
            metrics.get(i).reset();
        }
        metricCount = 0;
        this.name = name;
        this.help = null;
        this.type = null;
    }

    public String name() {
        return name;
    }

    /** The HELP text (unescaped), or {@code null} when the push gave none. */
    public String help() {
        return help;
    }

    public void help(String help) {
        this.help = help;
    }

    /** The type, or {@code null} while neither a TYPE line nor a sample has set it. */
    public MetricType type() {
        return type;
    }

    public void type(MetricType type) {
        this.type = type;
    }

    /** Appends a new, empty metric and returns it; valid until the owning {@link PushContent} is reset. */
    public PushedMetric addMetric() {
        if (metricCount == metrics.size()) {
            metrics.add(new PushedMetric());
        }
        return metrics.get(metricCount++);
    }

    public int metricCount() {
        return metricCount;
    }

    public PushedMetric metric(int index) {
        return metrics.get(index);
    }

    /** Drops every metric, keeping name, HELP and type (duplicate families of a protobuf push replace each other). */
    public void clearMetrics() {
        for (int i = 0; i < metricCount; i++) {
            metrics.get(i).reset();
        }
        metricCount = 0;
    }
}
