package io.cairn.core.model;

import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A canonical text form of a decoded push, for comparing what the text parser and the protobuf decoder produce:
 * one line per family, one indented line per metric.
 */
public final class PushDump {
    private PushDump() {
    }

    public static String of(PushContent content) {
        final StringBuilder out = new StringBuilder();
        for (int f = 0; f < content.familyCount(); f++) {
            final PushedFamily family = content.family(f);
            assertSame(family, content.family(family.name()));
            out.append(family.name()).append(' ').append(family.type());
            if (family.help() != null) {
                out.append(" help=").append(family.help());
            }
            out.append('\n');
            for (int m = 0; m < family.metricCount(); m++) {
                appendMetric(out, family.type(), family.metric(m));
            }
        }
        return out.toString();
    }

    private static void appendMetric(StringBuilder out, MetricType type, PushedMetric metric) {
        out.append("  {");
        for (int l = 0; l < metric.labelCount(); l++) {
            out.append(l == 0 ? "" : ",").append(metric.labelName(l)).append('=').append(metric.labelValue(l));
        }
        out.append('}');
        if (type.isComposite()) {
            for (int q = 0; q < metric.quantileCount(); q++) {
                out.append(" q").append(metric.quantile(q)).append('=').append(metric.quantileValue(q));
            }
            for (int b = 0; b < metric.bucketCount(); b++) {
                out.append(" le").append(metric.upperBound(b)).append('=')
                    .append(Long.toUnsignedString(metric.cumulativeCount(b)));
            }
            out.append(" sum=").append(metric.sampleSum());
            out.append(" count=").append(Long.toUnsignedString(metric.sampleCount()));
        } else {
            out.append(' ').append(metric.value());
        }
        if (metric.hasTimestamp()) {
            out.append(" @").append(metric.timestampMs());
        }
        out.append('\n');
    }
}
