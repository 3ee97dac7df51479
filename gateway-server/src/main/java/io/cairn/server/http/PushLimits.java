package io.cairn.server.http;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushedFamily;
import io.cairn.core.model.PushedMetric;
import io.netty.buffer.ByteBufUtil;


/**
 * The limits a decoded push is checked against before it is encoded ({@link Limits}): series per push, labels per
 * series, and the lengths of names and values. Cost proportional to the push.
 */
final class PushLimits {
    private PushLimits() {
    }

    /** The flag and message of the first limit the push goes beyond, or {@code null}. */
    static String[] check(PushContent content, GroupingKey key, Limits limits) {
        long series = 0;
        for (int f = 0; f < content.familyCount(); f++) {
            final PushedFamily family = content.family(f);
            if (Limits.exceeds(utf8Length(family.name()), limits.maxMetricNameBytes())) {
                return refusal("push.max-metric-name-length", "metric name " + abbreviate(family.name()) + " is longer"
                        + " than " + limits.maxMetricNameBytes() + " bytes");
            }
            series += family.metricCount();
            if (Limits.exceeds(series, limits.maxSeriesPerPush())) {
                return refusal("push.max-series", "the push has more than " + limits.maxSeriesPerPush() + " series");
            }
            for (int m = 0; m < family.metricCount(); m++) {
                final String[] problem = checkMetric(family.name(), family.metric(m), key, limits);
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    private static String[] checkMetric(String family, PushedMetric metric, GroupingKey key, Limits limits) {
        // the series' labels once stored: grouping labels replace pushed ones of the same name, instance="" is
        // added when neither has an instance
        int labels = key.size();
        boolean instance = key.hasInstance();
        for (int l = 0; l < metric.labelCount(); l++) {
            final String name = metric.labelName(l);
            if (key.value(name) == null) {
                labels++;
                instance |= GroupingKey.INSTANCE.equals(name);
            }
            if (Limits.exceeds(utf8Length(name), limits.maxLabelNameBytes())) {
                return refusal("push.max-label-name-length", "label name " + abbreviate(name) + " of " + family
                        + " is longer than " + limits.maxLabelNameBytes() + " bytes");
            }
            if (Limits.exceeds(utf8Length(metric.labelValue(l)), limits.maxLabelValueBytes())) {
                return refusal("push.max-label-value-length", "the value of label " + abbreviate(name) + " of "
                        + family + " is longer than " + limits.maxLabelValueBytes() + " bytes");
            }
        }
        if (!instance) {
            labels++;
        }
        if (Limits.exceeds(labels, limits.maxLabels())) {
            return refusal("push.max-labels", "a series of " + family + " has " + labels + " labels, more than "
                    + limits.maxLabels());
        }
        return null;
    }

    private static String[] refusal(String flag, String what) {
        return new String[] {flag, what + " (--" + flag + ")"};
    }

    private static long utf8Length(String s) {
        return ByteBufUtil.utf8Bytes(s);
    }

    /** The first 64 characters of a name, quoted, for a message. */
    private static String abbreviate(String s) {
        return "\"" + (s.length() > 64 ? s.substring(0, 64) + "..." : s) + "\"";
    }
}
