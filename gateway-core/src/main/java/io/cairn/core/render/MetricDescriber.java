package io.cairn.core.render;

import io.cairn.core.model.MetricType;
import io.cairn.core.model.PushedMetric;
import io.cairn.core.proto.Metrics;

/**
 * Builds the consistency-check messages of client_golang ({@code prometheus/registry.go}), which describe the
 * offending metric in protobuf text form: {@code collected metric "a" { label:<name:"job" value:"j" >
 * gauge:<value:1 > } was collected before with the same name and label values}. Cold path: only for rejections.
 */
public final class MetricDescriber {
    private MetricDescriber() {
    }

    public static String duplicate(String family, String description) {
        return "collected metric \"" + family + "\" { " + description + "} was collected before with the same name"
                + " and label values";
    }

    public static String notOfType(String family, String description, MetricType expected) {
        return "collected metric \"" + family + "\" { " + description + "} is not a " + expected.apiName();
    }

    public static String labelProblem(String family, String description, String problem) {
        return "collected metric \"" + family + "\" { " + description + "} " + problem;
    }

    /**
     * Describes a pushed metric with its sanitized labels: by the fields its protobuf message has, or for a text
     * push by its family's type.
     */
    public static String describe(MetricType type, String[] names, String[] values, PushedMetric metric) {
        final StringBuilder sb = new StringBuilder(64);
        appendLabels(sb, names, values);
        final Metrics.Metric source = metric.source();
        if (source != null) {
            appendFields(sb, source);
            return sb.toString();
        }
        switch (type) {
            case SUMMARY:
                sb.append("summary:<sample_count:").append(Long.toUnsignedString(metric.sampleCount()))
                        .append(" sample_sum:").append(number(metric.sampleSum())).append(' ');
                for (int i = 0; i < metric.quantileCount(); i++) {
                    sb.append("quantile:<quantile:").append(number(metric.quantile(i)))
                            .append(" value:").append(number(metric.quantileValue(i))).append(" > ");
                }
                sb.append("> ");
                break;
            case HISTOGRAM:
                sb.append("histogram:<sample_count:").append(Long.toUnsignedString(metric.sampleCount()))
                        .append(" sample_sum:").append(number(metric.sampleSum())).append(' ');
                for (int i = 0; i < metric.bucketCount(); i++) {
                    sb.append("bucket:<cumulative_count:").append(Long.toUnsignedString(metric.cumulativeCount(i)))
                            .append(" upper_bound:").append(number(metric.upperBound(i))).append(" > ");
                }
                sb.append("> ");
                break;
            default:
                sb.append(type.textName()).append(":<value:").append(number(metric.value())).append(" > ");
                break;
        }
        return sb.toString();
    }

    /** The value fields of a protobuf metric, in field order (native histogram fields left out). */
    private static void appendFields(StringBuilder sb, Metrics.Metric source) {
        if (source.hasGauge()) {
            sb.append("gauge:<value:").append(number(source.getGauge().getValue())).append(" > ");
        }
        if (source.hasCounter()) {
            sb.append("counter:<value:").append(number(source.getCounter().getValue())).append(" > ");
        }
        if (source.hasSummary()) {
            final Metrics.Summary summary = source.getSummary();
            sb.append("summary:<sample_count:").append(Long.toUnsignedString(summary.getSampleCount()))
                    .append(" sample_sum:").append(number(summary.getSampleSum())).append(' ');
            for (Metrics.Quantile q : summary.getQuantileList()) {
                sb.append("quantile:<quantile:").append(number(q.getQuantile()))
                        .append(" value:").append(number(q.getValue())).append(" > ");
            }
            sb.append("> ");
        }
        if (source.hasUntyped()) {
            sb.append("untyped:<value:").append(number(source.getUntyped().getValue())).append(" > ");
        }
        if (source.hasTimestampMs()) {
            sb.append("timestamp_ms:").append(source.getTimestampMs()).append(' ');
        }
        if (source.hasHistogram()) {
            final Metrics.Histogram histogram = source.getHistogram();
            sb.append("histogram:<sample_count:").append(Long.toUnsignedString(histogram.getSampleCount()))
                    .append(" sample_sum:").append(number(histogram.getSampleSum())).append(' ');
            for (Metrics.Bucket b : histogram.getBucketList()) {
                sb.append("bucket:<cumulative_count:").append(Long.toUnsignedString(b.getCumulativeCount()))
                        .append(" upper_bound:").append(number(b.getUpperBound())).append(" > ");
            }
            sb.append("> ");
        }
    }

    /** Describes a stored series from its first text line, {@code name{labels} value}. */
    public static String describeLine(MetricType type, String line) {
        final StringBuilder sb = new StringBuilder(64);
        final int open = line.indexOf('{');
        final int close = line.lastIndexOf('}');
        if (open >= 0 && close > open) {
            // label values are quoted and escaped the same way in both forms
            final String labels = line.substring(open + 1, close);
            int i = 0;
            while (i < labels.length()) {
                final int eq = labels.indexOf('=', i);
                if (eq < 0) {
                    break;
                }
                int j = eq + 2;
                while (j < labels.length() && labels.charAt(j) != '"') {
                    j += labels.charAt(j) == '\\' ? 2 : 1;
                }
                sb.append("label:<name:\"").append(labels, i, eq).append("\" value:")
                        .append(labels, eq + 1, Math.min(j + 1, labels.length())).append(" > ");
                i = j + 2;
            }
        }
        final String value = line.substring(line.lastIndexOf(' ') + 1);
        if (type.isComposite()) {
            sb.append(type.textName()).append(":<...> ");
        } else {
            sb.append(type.textName()).append(":<value:").append(value).append(" > ");
        }
        return sb.toString();
    }

    private static void appendLabels(StringBuilder sb, String[] names, String[] values) {
        for (int i = 0; i < names.length; i++) {
            sb.append("label:<name:\"").append(names[i]).append("\" value:\"");
            final String v = values[i];
            for (int k = 0; k < v.length(); k++) {
                final char c = v.charAt(k);
                if (c == '"' || c == '\\') {
                    sb.append('\\');
                }
                sb.append(c == '\n' ? "\\n" : String.valueOf(c));
            }
            sb.append("\" > ");
        }
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return GoFloatFormatter.format(v);
    }
}
