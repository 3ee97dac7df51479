package io.cairn.core.render;

import io.cairn.core.model.MetricType;
import io.cairn.core.model.PushedMetric;

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

    /** Describes a pushed metric with its sanitized labels. */
    public static String describe(MetricType type, String[] names, String[] values, PushedMetric metric) {
        final StringBuilder sb = new StringBuilder(64);
        appendLabels(sb, names, values);
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
