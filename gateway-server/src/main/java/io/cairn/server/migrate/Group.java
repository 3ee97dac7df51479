package io.cairn.server.migrate;

import io.cairn.core.model.MetricType;

import java.util.List;
import java.util.SortedMap;

/**
 * One group of the old gateway as {@code /api/v1/metrics} shows it, ready to be pushed, or the reason it cannot be.
 *
 * @param where    where the group is in the body, {@code data[3]}, for messages when the key is unknown
 * @param key      the grouping key (with {@code job}), sorted; {@code null} when it could not be read
 * @param families the metric families to push, without {@code push_time_seconds} and
 *                 {@code push_failure_time_seconds}; empty when {@code error} is set
 * @param notes    what is not copied exactly, one sentence each (native buckets, a failed last push, ...)
 * @param error    why the group cannot be migrated, or {@code null}
 */
record Group(String where, SortedMap<String, String> key, List<Family> families, List<String> notes, String error) {

    int seriesCount() {
        int n = 0;
        for (Family family : families) {
            n += family.series().size();
        }
        return n;
    }

    /** {@code {instance="i",job="j"}} with text-format escapes, or {@link #where} when the key is unknown. */
    String describe() {
        return key == null ? where : GroupTextRenderer.labelSet(key);
    }

    /**
     * A metric family of the group.
     *
     * @param help the HELP text; empty when the family has none (the JSON leaves out an empty one)
     */
    record Family(String name, MetricType type, String help, List<Series> series) {
    }

    /**
     * One series. Counters, gauges and untyped series have {@code value}; summaries and histograms have {@code
     * points} (quantiles or cumulative buckets by upper bound, in ascending order of their bound), {@code count}
     * and {@code sum}. Every number is the Go-formatted string of the JSON, to be written as it is.
     *
     * @param labels        the series labels, grouping labels included, sorted
     * @param nativeBuckets whether the JSON showed native histogram buckets, which are not copied
     */
    record Series(SortedMap<String, String> labels, String value, List<Point> points, String count, String sum,
                  boolean nativeBuckets) {
    }

    /** A quantile and its value, or a bucket's upper bound and its cumulative count, as Go wrote them. */
    record Point(String bound, String value) {
    }

    static Group failed(String where, SortedMap<String, String> key, List<String> notes, String error) {
        return new Group(where, key, List.of(), notes, error);
    }

    static String where(int index) {
        return "data[" + index + "]";
    }
}
