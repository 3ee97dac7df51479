package io.cairn.server.http;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.core.model.GoStrings;
import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.MetricType;
import io.cairn.core.proto.Metrics;
import io.cairn.core.render.EncodedFamily;
import io.cairn.core.render.GoFloatFormatter;
import io.cairn.core.store.GroupSnapshot;
import io.cairn.core.store.SlotVector;
import io.cairn.core.store.StoreSnapshot;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The bodies of {@code GET /api/v1/metrics} and {@code GET /api/v1/status}, byte for byte as the Go Pushgateway
 * writes them ({@code api/v1/api.go}, marshalled by {@code encoding/json}; recorded from 1.5.1, native histograms
 * as in 1.10.0). Written by hand, no JSON library:
 * <ul>
 * <li>Object keys of Go maps are sorted by their UTF-8 bytes; struct fields keep their declared order ({@code
 * time_stamp}, {@code type}, {@code help} (omitted when empty), {@code metrics}).</li>
 * <li>Strings are escaped as {@code encoding/json} does with HTML escaping on: {@code <}, {@code >}, {@code &},
 * U+2028, U+2029 and control characters as <code>&#92;u00XX</code>, except {@code \n}, {@code \r}, {@code \t}; DEL stays
 * raw.</li>
 * <li>Times are {@code time.Time} JSON: RFC 3339 with nanoseconds, trailing zeros trimmed; always in UTC here
 * ({@code Z}), where Go uses the process's local zone.</li>
 * <li>Values are strings as {@code fmt.Sprint} prints them: floats as {@code strconv.FormatFloat(f, 'g', -1, 64)}
 * ({@link GoFloatFormatter}; {@code -0} stays {@code -0}), counts as {@code uint64} decimals.</li>
 * </ul>
 *
 * <p>{@link #metrics} reads every series from the {@code Metric} messages each stored family keeps next to its
 * text ({@link EncodedFamily#proto()}), as {@code api.go} reads its {@code dto.Metric}s: a text push gives the
 * fields Go's text parser sets, a protobuf push its whole message. The shapes per family type:
 * <ul>
 * <li>counter, gauge, untyped: <code>{"labels":{..},"value":"1.5"}</code>, the value of whichever of {@code gauge},
 * {@code counter}, {@code untyped} the message has first (Go's {@code getValue}).</li>
 * <li>summary: <code>{"count":"30","labels":{..},"quantiles":{"0.5":"2"},"sum":"100"}</code>.</li>
 * <li>histogram without native spans (a classic one):
 * <code>{"buckets":{"+Inf":"5","0.1":"1"},"count":"5","labels":{..},"sum":"17.5"}</code>; counts are the
 * {@code *_float} fields when those are above zero (1.10.0, #668).</li>
 * <li>histogram with at least one negative or positive span (a native one, even when it also has classic
 * buckets; 1.10.0, #667): <code>{"buckets":[[1,"-1.414213562373095","-1","2"],[0,"1","1.414213562373095","2"]],
 * "count":"20",..}</code>, see {@link Writer#nativeHistogram}.</li>
 * </ul>
 *
 * <p>Series come in the stored order, which is expfmt's; the Go gateway keeps the pushed order. Groups are sorted
 * by grouping key id; the Go gateway iterates a map, so its order is random.
 */
final class ApiJson {
    private static final String LABELS = "labels";
    private static final String LAST_PUSH_SUCCESSFUL = "last_push_successful";
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final int NANOS_PER_SECOND = 1_000_000_000;
    private static final Comparator<GroupSnapshot> BY_KEY_ID = Comparator.comparing(GroupSnapshot::key);
    /** Bytes per text byte, roughly: JSON repeats labels per series and adds keys; a first guess only. */
    private static final int EXPANSION = 2;

    /**
     * Interval kinds of a native bucket, the first element of its JSON array ({@code histogram/prometheus_model.go}
     * {@code makeBucket}): {@code (]}, {@code [)}, {@code ()} and {@code []}.
     */
    private static final int LEFT_OPEN = 0;
    private static final int RIGHT_OPEN = 1;
    private static final int OPEN = 2;
    private static final int CLOSED = 3;
    /** prometheus/model/histogram {@code CustomBucketsSchema}: the bounds would be custom values. */
    private static final int CUSTOM_BUCKETS_SCHEMA = -53;
    /** The highest schema with a table of bounds in prometheus/model/histogram. */
    private static final int EXPONENTIAL_SCHEMA_MAX = 8;
    /** Go's {@code math.Ldexp} saturates beyond these exponents; {@link Math#scalb} too, within {@code int}. */
    private static final long MAX_SCALB_EXPONENT = 2_100;

    /** {@code encoding/json}'s {@code htmlSafeSet}, inverted: ASCII bytes that need an escape. */
    private static final boolean[] ESCAPE = new boolean[128];

    static {
        for (int c = 0; c < 0x20; c++) {
            ESCAPE[c] = true;
        }
        ESCAPE['"'] = true;
        ESCAPE['\\'] = true;
        ESCAPE['<'] = true;
        ESCAPE['>'] = true;
        ESCAPE['&'] = true;
    }

    private ApiJson() {
    }

    /**
     * The body of {@code GET /api/v1/metrics} for {@code snapshot}, which the caller keeps pinned during the call.
     * The returned buffer comes from {@code alloc} and belongs to the caller.
     */
    static ByteBuf metrics(StoreSnapshot snapshot, ByteBufAllocator alloc) {
        final GroupSnapshot[] groups = sortedGroups(snapshot.groups());
        int estimate = 64;
        for (GroupSnapshot group : groups) {
            for (int f = 0; f < group.familyCount(); f++) {
                estimate += 128 + EXPANSION * group.family(f).textLength();
            }
        }
        final ByteBuf out = alloc.buffer(estimate);
        try {
            final Writer writer = new Writer(out);
            ByteBufUtil.writeAscii(out, "{\"status\":\"success\",\"data\":[");
            for (int g = 0; g < groups.length; g++) {
                if (g > 0) {
                    out.writeByte(',');
                }
                writer.group(groups[g]);
            }
            ByteBufUtil.writeAscii(out, "]}");
            return out;
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
    }

    /**
     * The body of {@code GET /api/v1/status}: the flag values and build information (keys sorted; {@code null}
     * is written as Go writes a nil map) and the start time. The returned buffer belongs to the caller.
     */
    static ByteBuf status(Map<String, String> flags, long startTimeMs, Map<String, String> buildInformation,
                          ByteBufAllocator alloc) {
        final ByteBuf out = alloc.buffer(1024);
        try {
            ByteBufUtil.writeAscii(out, "{\"status\":\"success\",\"data\":{\"build_information\":");
            writeStringMap(out, buildInformation);
            ByteBufUtil.writeAscii(out, ",\"flags\":");
            writeStringMap(out, flags);
            ByteBufUtil.writeAscii(out, ",\"start_time\":\"");
            ByteBufUtil.writeAscii(out, rfc3339(Math.multiplyExact(startTimeMs, 1_000_000L)));
            ByteBufUtil.writeAscii(out, "\"}}");
            return out;
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
    }

    private static GroupSnapshot[] sortedGroups(SlotVector<GroupSnapshot> vector) {
        final GroupSnapshot[] groups = new GroupSnapshot[vector.size()];
        final int[] n = {0};
        vector.forEach(group -> groups[n[0]++] = group);
        final GroupSnapshot[] found = n[0] == groups.length ? groups : Arrays.copyOf(groups, n[0]);
        Arrays.sort(found, BY_KEY_ID);
        return found;
    }

    private static void writeStringMap(ByteBuf out, Map<String, String> map) {
        if (map == null) {
            ByteBufUtil.writeAscii(out, "null");
            return;
        }
        final String[] keys = map.keySet().toArray(new String[0]);
        Arrays.sort(keys, GoStrings::compare);
        out.writeByte('{');
        for (int i = 0; i < keys.length; i++) {
            if (i > 0) {
                out.writeByte(',');
            }
            writeString(out, keys[i]);
            out.writeByte(':');
            writeString(out, map.get(keys[i]));
        }
        out.writeByte('}');
    }

    /** The stored series of {@code family}: its protobuf part parsed as a {@code MetricFamily}'s metric fields. */
    static List<Metrics.Metric> storedMetrics(EncodedFamily family) {
        try {
            return Metrics.MetricFamily.parseFrom(family.proto().nioBuffer()).getMetricList();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored protobuf of family " + family.name() + " does not parse", e);
        }
    }

    /** Writes one group of {@code /api/v1/metrics}; holds the scratch state reused across groups and series. */
    static final class Writer {
        private final ByteBuf out;
        private final StringBuilder number = new StringBuilder(32);
        /** A quantile or classic bucket map: its keys and values, and their order by key. */
        private String[] keys = new String[16];
        private String[] values = new String[16];
        private int[] order = new int[16];
        /** The non-zero buckets of one side of a native histogram, in iteration order. */
        private int[] bucketIndexes = new int[16];
        private long[] intCounts = new long[16];
        private double[] floatCounts = new double[16];
        private String[] names = new String[16];
        /** The families of one push share its time: format it once. */
        private long lastTimeNs;
        private String lastTime;

        Writer(ByteBuf out) {
            this.out = out;
        }

        /**
         * One group: {@code api.go} builds a {@code map[string]interface{}} with {@code labels}, {@code
         * last_push_successful} and then one key per family name, so the keys sort together, and a family named
         * {@code labels} or {@code last_push_successful} replaces that entry (a quirk kept on purpose).
         */
        void group(GroupSnapshot group) {
            final int familyCount = group.familyCount();
            final int n = familyCount + 2;
            if (names.length < n) {
                names = new String[n];
            }
            for (int f = 0; f < familyCount; f++) {
                names[f] = group.family(f).name();
            }
            names[familyCount] = LABELS;
            names[familyCount + 1] = LAST_PUSH_SUCCESSFUL;
            boolean labelsReplaced = false;
            boolean lastPushReplaced = false;
            for (int f = 0; f < familyCount; f++) {
                labelsReplaced |= LABELS.equals(names[f]);
                lastPushReplaced |= LAST_PUSH_SUCCESSFUL.equals(names[f]);
            }
            final int[] sorted = sortedIndexes(names, n);
            out.writeByte('{');
            boolean first = true;
            for (int k = 0; k < n; k++) {
                final int index = sorted[k];
                if ((index == familyCount && labelsReplaced) || (index == familyCount + 1 && lastPushReplaced)) {
                    continue;
                }
                if (!first) {
                    out.writeByte(',');
                }
                first = false;
                writeString(out, names[index]);
                out.writeByte(':');
                if (index == familyCount) {
                    groupingLabels(group.key());
                } else if (index == familyCount + 1) {
                    ByteBufUtil.writeAscii(out, group.lastPushSuccessful() ? "true" : "false");
                } else {
                    family(group.family(index));
                }
            }
            out.writeByte('}');
            Arrays.fill(names, 0, n, null);
        }

        void groupingLabels(GroupingKey key) {
            out.writeByte('{');
            // the key's names are sorted; label names are ASCII in 1.5.1, where String order is byte order
            for (int i = 0; i < key.size(); i++) {
                if (i > 0) {
                    out.writeByte(',');
                }
                writeString(out, key.name(i));
                out.writeByte(':');
                writeString(out, key.value(i));
            }
            out.writeByte('}');
        }

        private void family(EncodedFamily family) {
            ByteBufUtil.writeAscii(out, "{\"time_stamp\":\"");
            if (lastTime == null || family.pushTimeNs() != lastTimeNs) {
                lastTimeNs = family.pushTimeNs();
                lastTime = rfc3339(lastTimeNs);
            }
            ByteBufUtil.writeAscii(out, lastTime);
            ByteBufUtil.writeAscii(out, "\",\"type\":\"");
            ByteBufUtil.writeAscii(out, family.type().apiName());
            out.writeByte('"');
            if (family.help() != null && !family.help().isEmpty()) {
                // omitempty
                ByteBufUtil.writeAscii(out, ",\"help\":");
                writeString(out, family.help());
            }
            ByteBufUtil.writeAscii(out, ",\"metrics\":[");
            final List<Metrics.Metric> metrics = storedMetrics(family);
            final MetricType type = family.type();
            for (int m = 0; m < metrics.size(); m++) {
                if (m > 0) {
                    out.writeByte(',');
                }
                metric(metrics.get(m), type);
            }
            ByteBufUtil.writeAscii(out, "]}");
        }

        /** {@code api.go makeEncodableMetrics}: the family's type picks the shape, keys in Go's map order. */
        void metric(Metrics.Metric metric, MetricType type) {
            switch (type) {
                case SUMMARY:
                    summary(metric);
                    break;
                case HISTOGRAM:
                    histogram(metric);
                    break;
                default:
                    ByteBufUtil.writeAscii(out, "{\"labels\":");
                    labels(metric);
                    ByteBufUtil.writeAscii(out, ",\"value\":\"");
                    writeFloat(value(metric));
                    ByteBufUtil.writeAscii(out, "\"}");
                    break;
            }
        }

        private void summary(Metrics.Metric metric) {
            final Metrics.Summary summary = metric.getSummary();
            ByteBufUtil.writeAscii(out, "{\"count\":\"");
            writeUnsigned(summary.getSampleCount());
            ByteBufUtil.writeAscii(out, "\",\"labels\":");
            labels(metric);
            ByteBufUtil.writeAscii(out, ",\"quantiles\":");
            final int n = summary.getQuantileCount();
            ensureKeyCapacity(n);
            for (int q = 0; q < n; q++) {
                keys[q] = GoFloatFormatter.format(summary.getQuantile(q).getQuantile());
                values[q] = GoFloatFormatter.format(summary.getQuantile(q).getValue());
            }
            keyedValues(n);
            ByteBufUtil.writeAscii(out, ",\"sum\":\"");
            writeFloat(summary.getSampleSum());
            ByteBufUtil.writeAscii(out, "\"}");
        }

        /**
         * A histogram is native when it has at least one span (1.10.0, #667: {@code len(NegativeSpan) +
         * len(PositiveSpan) > 0}), whatever classic buckets it also has; 1.8.0 and 1.9.0 looked for classic
         * buckets first.
         */
        private void histogram(Metrics.Metric metric) {
            final Metrics.Histogram histogram = metric.getHistogram();
            ByteBufUtil.writeAscii(out, "{\"buckets\":");
            if (histogram.getNegativeSpanCount() + histogram.getPositiveSpanCount() > 0) {
                // histogram.NewModelHistogram: a float histogram by its float count or float zero count
                final boolean floats = histogram.getSampleCountFloat() > 0 || histogram.getZeroCountFloat() > 0;
                nativeHistogram(histogram, floats);
                ByteBufUtil.writeAscii(out, ",\"count\":\"");
                if (floats) {
                    writeFloat(histogram.getSampleCountFloat());
                } else {
                    writeUnsigned(histogram.getSampleCount());
                }
            } else {
                final int n = histogram.getBucketCount();
                ensureKeyCapacity(n);
                for (int b = 0; b < n; b++) {
                    final Metrics.Bucket bucket = histogram.getBucket(b);
                    keys[b] = GoFloatFormatter.format(bucket.getUpperBound());
                    values[b] = bucket.getCumulativeCountFloat() > 0
                            ? GoFloatFormatter.format(bucket.getCumulativeCountFloat())
                            : Long.toUnsignedString(bucket.getCumulativeCount());
                }
                keyedValues(n);
                ByteBufUtil.writeAscii(out, ",\"count\":\"");
                if (histogram.getSampleCountFloat() > 0) {
                    writeFloat(histogram.getSampleCountFloat());
                } else {
                    writeUnsigned(histogram.getSampleCount());
                }
            }
            ByteBufUtil.writeAscii(out, "\",\"labels\":");
            labels(metric);
            ByteBufUtil.writeAscii(out, ",\"sum\":\"");
            writeFloat(histogram.getSampleSum());
            ByteBufUtil.writeAscii(out, "\"}");
        }

        /**
         * The buckets of a native histogram as the Pushgateway's {@code histogram.GetAPIBuckets} (or {@code
         * GetAPIFloatBuckets}) and {@code BucketsAsJson} write them: an array of {@code [boundaries, "lower",
         * "upper", "count"]}, ascending: the negative buckets from the lowest up, the zero bucket {@code [3,
         * "-threshold", "threshold", "count"]}, the positive buckets. Buckets whose count is zero are left out
         * (a {@code NaN} count is not zero), the zero bucket too. Integer histograms give deltas between
         * consecutive buckets, float histograms absolute counts.
         */
        private void nativeHistogram(Metrics.Histogram histogram, boolean floats) {
            final int schema = histogram.getSchema();
            out.writeByte('[');
            boolean first = true;
            // GetAPIBuckets collects the negative side in iteration order (away from zero) and writes it reversed
            for (int i = collect(histogram, false, floats) - 1; i >= 0; i--) {
                first = bucket(first, schema, false, bucketIndexes[i], intCounts[i], floatCounts[i], floats);
            }
            final boolean zeroBucket = floats ? histogram.getZeroCountFloat() != 0 : histogram.getZeroCount() != 0;
            if (zeroBucket) {
                // Go panics here for the custom-buckets schema (ZeroBucket); Cairn writes the bucket anyway
                final double threshold = histogram.getZeroThreshold();
                first = bucketArray(first, CLOSED, -threshold, threshold, histogram.getZeroCount(),
                        histogram.getZeroCountFloat(), floats);
            }
            final int positive = collect(histogram, true, floats);
            for (int i = 0; i < positive; i++) {
                first = bucket(first, schema, true, bucketIndexes[i], intCounts[i], floatCounts[i], floats);
            }
            out.writeByte(']');
        }

        /**
         * Walks the spans of one side as prometheus/model/histogram's {@code regularBucketIterator} and {@code
         * floatBucketIterator} do (spans of length 0 included; the walk ends where the spans or the buckets end,
         * as in Prometheus 3: older ones panic when the buckets end first) and keeps the buckets whose count is not
         * zero. Returns how many it kept in {@link #bucketIndexes} and the count arrays.
         */
        private int collect(Metrics.Histogram histogram, boolean positive, boolean floats) {
            final List<Metrics.BucketSpan> spans = positive ? histogram.getPositiveSpanList()
                    : histogram.getNegativeSpanList();
            final int bucketCount;
            if (floats) {
                bucketCount = positive ? histogram.getPositiveCountCount() : histogram.getNegativeCountCount();
            } else {
                bucketCount = positive ? histogram.getPositiveDeltaCount() : histogram.getNegativeDeltaCount();
            }
            int kept = 0;
            int spanIndex = 0;
            int indexInSpan = 0;
            int bucket = 0;
            // int32 arithmetic, wrapping as Go's does
            int index = 0;
            long intCount = 0;
            walk:
            while (spanIndex < spans.size()) {
                Metrics.BucketSpan span = spans.get(spanIndex);
                if (bucket == 0) {
                    index = span.getOffset();
                } else {
                    index++;
                }
                while (Integer.compareUnsigned(indexInSpan, span.getLength()) >= 0) {
                    indexInSpan = 0;
                    spanIndex++;
                    if (spanIndex == spans.size()) {
                        break walk;
                    }
                    span = spans.get(spanIndex);
                    index += span.getOffset();
                }
                if (bucket == bucketCount) {
                    break;
                }
                final double floatCount;
                if (floats) {
                    floatCount = positive ? histogram.getPositiveCount(bucket) : histogram.getNegativeCount(bucket);
                } else {
                    intCount += positive ? histogram.getPositiveDelta(bucket) : histogram.getNegativeDelta(bucket);
                    floatCount = 0;
                }
                indexInSpan++;
                bucket++;
                if (floats ? floatCount != 0 : intCount != 0) {
                    if (kept == bucketIndexes.length) {
                        bucketIndexes = Arrays.copyOf(bucketIndexes, kept * 2);
                        intCounts = Arrays.copyOf(intCounts, kept * 2);
                        floatCounts = Arrays.copyOf(floatCounts, kept * 2);
                    }
                    bucketIndexes[kept] = index;
                    intCounts[kept] = intCount;
                    floatCounts[kept] = floatCount;
                    kept++;
                }
            }
            return kept;
        }

        /** One bucket of a side: its bounds and interval kind as {@code baseBucketIterator.at} computes them. */
        private boolean bucket(boolean first, int schema, boolean positive, int index, long intCount,
                               double floatCount, boolean floats) {
            final double upperAbs = bound(index, schema);
            final double lowerAbs = bound(index - 1, schema);
            final double lower = positive ? lowerAbs : -upperAbs;
            final double upper = positive ? upperAbs : -lowerAbs;
            final boolean lowerInclusive;
            final boolean upperInclusive;
            if (schema == CUSTOM_BUCKETS_SCHEMA) {
                lowerInclusive = index == 0;
                upperInclusive = true;
            } else {
                lowerInclusive = lower < 0;
                upperInclusive = upper > 0;
            }
            final int boundaries = lowerInclusive ? (upperInclusive ? CLOSED : RIGHT_OPEN)
                    : (upperInclusive ? LEFT_OPEN : OPEN);
            return bucketArray(first, boundaries, lower, upper, intCount, floatCount, floats);
        }

        /** {@code BucketsAsJson}: the kind as a JSON number, then the bounds and the count as {@code %v} strings. */
        private boolean bucketArray(boolean first, int boundaries, double lower, double upper, long intCount,
                                    double floatCount, boolean floats) {
            if (!first) {
                out.writeByte(',');
            }
            out.writeByte('[');
            out.writeByte('0' + boundaries);
            ByteBufUtil.writeAscii(out, ",\"");
            writeFloat(lower);
            ByteBufUtil.writeAscii(out, "\",\"");
            writeFloat(upper);
            ByteBufUtil.writeAscii(out, "\",\"");
            if (floats) {
                writeFloat(floatCount);
            } else {
                writeUnsigned(intCount);
            }
            ByteBufUtil.writeAscii(out, "\"]");
            return false;
        }

        /** The labels of a stored metric: sanitized and sorted by name when stored, so already in JSON order. */
        private void labels(Metrics.Metric metric) {
            out.writeByte('{');
            for (int i = 0; i < metric.getLabelCount(); i++) {
                if (i > 0) {
                    out.writeByte(',');
                }
                final Metrics.LabelPair label = metric.getLabel(i);
                writeString(out, label.getName());
                out.writeByte(':');
                writeString(out, label.getValue());
            }
            out.writeByte('}');
        }

        private void ensureKeyCapacity(int n) {
            if (keys.length < n) {
                final int capacity = Math.max(n, keys.length * 2);
                keys = new String[capacity];
                values = new String[capacity];
                order = new int[capacity];
            }
        }

        /**
         * A {@code map[string]string} of the first {@code count} {@link #keys} and {@link #values}: keys sorted by
         * bytes, and of equal keys the last one wins, as map assignment does. Keys are Go-formatted floats,
         * nothing to escape.
         */
        private void keyedValues(int count) {
            // insertion sort, stable: few keys, already sorted by number, which is nearly byte order
            for (int i = 0; i < count; i++) {
                int j = i - 1;
                while (j >= 0 && keys[order[j]].compareTo(keys[i]) > 0) {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = i;
            }
            out.writeByte('{');
            boolean first = true;
            for (int k = 0; k < count; k++) {
                final int i = order[k];
                if (k + 1 < count && keys[i].equals(keys[order[k + 1]])) {
                    continue; // a later equal key overwrites this one
                }
                if (!first) {
                    out.writeByte(',');
                }
                first = false;
                out.writeByte('"');
                ByteBufUtil.writeAscii(out, keys[i]);
                ByteBufUtil.writeAscii(out, "\":\"");
                ByteBufUtil.writeAscii(out, values[i]);
                out.writeByte('"');
            }
            out.writeByte('}');
            Arrays.fill(keys, 0, count, null);
            Arrays.fill(values, 0, count, null);
        }

        /** {@code fmt.Sprint(float64)}. */
        private void writeFloat(double value) {
            number.setLength(0);
            GoFloatFormatter.append(number, value);
            ByteBufUtil.writeAscii(out, number);
        }

        /** {@code fmt.Sprint(uint64)}. */
        private void writeUnsigned(long value) {
            number.setLength(0);
            if (value >= 0) {
                number.append(value);
            } else {
                number.append(Long.toUnsignedString(value));
            }
            ByteBufUtil.writeAscii(out, number);
        }
    }

    /** Go's {@code getValue}: the first of gauge, counter and untyped that the message has, else 0. */
    private static double value(Metrics.Metric metric) {
        if (metric.hasGauge()) {
            return metric.getGauge().getValue();
        }
        if (metric.hasCounter()) {
            return metric.getCounter().getValue();
        }
        if (metric.hasUntyped()) {
            return metric.getUntyped().getValue();
        }
        return 0;
    }

    /**
     * The bound of native bucket {@code index}: prometheus/model/histogram {@code getBound} with no custom values
     * (the Pushgateway's {@code NewModelHistogram} never sets them), where the last finite bucket ends at
     * {@link Double#MAX_VALUE}. Where Go panics, this answers instead: for the custom-buckets schema an index
     * other than 0 and -1 saturates to ±Inf, and a schema above 8 (no table in Go) uses the definition
     * 2^(index·2^-schema).
     */
    static double bound(int index, int schema) {
        if (schema == CUSTOM_BUCKETS_SCHEMA) {
            return index >= 0 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        }
        if (schema < 0) {
            // Go: int(idx) << -schema, on 64-bit ints, zero once the shift reaches 64
            final long shift = -(long) schema;
            final long exp = shift >= Long.SIZE ? 0 : (long) index << shift;
            if (exp == 1024) {
                return Double.MAX_VALUE;
            }
            return Math.scalb(1.0, (int) Math.max(-MAX_SCALB_EXPONENT, Math.min(MAX_SCALB_EXPONENT, exp)));
        }
        if (schema > EXPONENTIAL_SCHEMA_MAX) {
            final double exponent = Math.scalb((double) index, -schema);
            return exponent == 1024 ? Double.MAX_VALUE : Math.pow(2, exponent);
        }
        final double frac = ExponentialBounds.TABLE[(1 << schema) - 1 + (index & ((1 << schema) - 1))];
        // Go: (int(idx) >> schema) + 1, on 64-bit ints
        final long exp = (index >> schema) + 1L;
        if (frac == 0.5 && exp == 1025) {
            return Double.MAX_VALUE;
        }
        return Math.scalb(frac, (int) Math.max(-MAX_SCALB_EXPONENT, Math.min(MAX_SCALB_EXPONENT, exp)));
    }

    /** {@code time.Time.MarshalJSON} of a UTC time: RFC 3339 with nanoseconds, trailing zeros trimmed. */
    static String rfc3339(long unixNs) {
        final long seconds = Math.floorDiv(unixNs, (long) NANOS_PER_SECOND);
        final int nanos = (int) Math.floorMod(unixNs, (long) NANOS_PER_SECOND);
        final LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
        final StringBuilder sb = new StringBuilder(30);
        pad(sb, t.getYear(), 4).append('-');
        pad(sb, t.getMonthValue(), 2).append('-');
        pad(sb, t.getDayOfMonth(), 2).append('T');
        pad(sb, t.getHour(), 2).append(':');
        pad(sb, t.getMinute(), 2).append(':');
        pad(sb, t.getSecond(), 2);
        if (nanos != 0) {
            int fraction = nanos;
            int width = 9;
            while (fraction % 10 == 0) {
                fraction /= 10;
                width--;
            }
            pad(sb.append('.'), fraction, width);
        }
        return sb.append('Z').toString();
    }

    private static StringBuilder pad(StringBuilder sb, int value, int width) {
        final String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(digits);
    }

    /** Writes {@code s} as a JSON string, quoted and escaped as {@code encoding/json} does. */
    static void writeString(ByteBuf out, String s) {
        out.writeByte('"');
        if (!needsEscape(s)) {
            // fast path: nothing to escape, no lone surrogate
            ByteBufUtil.writeUtf8(out, s);
        } else {
            writeEscapedString(out, s);
        }
        out.writeByte('"');
    }

    private static boolean needsEscape(String s) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c < 128 ? ESCAPE[c] : c == '\u2028' || c == '\u2029' || Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static void writeEscapedString(ByteBuf out, String s) {
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            final int escape;
            if (c < 128) {
                if (!ESCAPE[c]) {
                    continue;
                }
                escape = c;
            } else if (c == '\u2028' || c == '\u2029') {
                escape = c;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            } else if (Character.isSurrogate(c)) {
                // a lone surrogate is what invalid UTF-8 is to Go: written as U+FFFD, escaped
                escape = 0xfffd;
            } else {
                continue;
            }
            ByteBufUtil.writeUtf8(out, s, start, i);
            writeEscape(out, escape);
            start = i + 1;
        }
        ByteBufUtil.writeUtf8(out, s, start, s.length());
    }

    private static void writeEscape(ByteBuf out, int c) {
        out.writeByte('\\');
        switch (c) {
            case '"':
            case '\\':
                out.writeByte(c);
                return;
            case '\n':
                out.writeByte('n');
                return;
            case '\r':
                out.writeByte('r');
                return;
            case '\t':
                out.writeByte('t');
                return;
            default:
                out.writeByte('u');
                out.writeByte(HEX[(c >> 12) & 0xf]);
                out.writeByte(HEX[(c >> 8) & 0xf]);
                out.writeByte(HEX[(c >> 4) & 0xf]);
                out.writeByte(HEX[c & 0xf]);
        }
    }

    /** Indexes {@code 0..n-1} ordered by {@link GoStrings#compare} of {@code names}; stable. */
    private static int[] sortedIndexes(String[] names, int n) {
        final int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            int j = i - 1;
            while (j >= 0 && GoStrings.compare(names[order[j]], names[i]) > 0) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = i;
        }
        return order;
    }


    /**
     * prometheus/model/histogram {@code exponentialBounds}, copied digit for digit (Prometheus v0.54.1, as
     * Pushgateway 1.10.0 builds it; unchanged since): the bounds in [0.5, 1) of schemas 0 to 8, schema {@code s}
     * at offset {@code 2^s - 1}. Computed bounds would differ in the last digit ({@code Math.sqrt(0.5)} is
     * 0.7071067811865476, the table says 0.7071067811865475). Loaded on the first native histogram.
     */
    private static final class ExponentialBounds {
        static final double[] TABLE = {
            // schema 0
            0.5,
            // schema 1
            0.5, 0.7071067811865475,
            // schema 2
            0.5, 0.5946035575013605, 0.7071067811865475, 0.8408964152537144,
            // schema 3
            0.5, 0.5452538663326288, 0.5946035575013605, 0.6484197773255048,
            0.7071067811865475, 0.7711054127039704, 0.8408964152537144, 0.9170040432046711,
            // schema 4
            0.5, 0.5221368912137069, 0.5452538663326288, 0.5693943173783458,
            0.5946035575013605, 0.620928906036742, 0.6484197773255048, 0.6771277734684463,
            0.7071067811865475, 0.7384130729697496, 0.7711054127039704, 0.805245165974627,
            0.8408964152537144, 0.8781260801866495, 0.9170040432046711, 0.9576032806985735,
            // schema 5
            0.5, 0.5109485743270583, 0.5221368912137069, 0.5335702003384117,
            0.5452538663326288, 0.5571933712979462, 0.5693943173783458, 0.5818624293887887,
            0.5946035575013605, 0.6076236799902344, 0.620928906036742, 0.6345254785958666,
            0.6484197773255048, 0.6626183215798706, 0.6771277734684463, 0.6919549409819159,
            0.7071067811865475, 0.7225904034885232, 0.7384130729697496, 0.7545822137967112,
            0.7711054127039704, 0.7879904225539431, 0.805245165974627, 0.8228777390769823,
            0.8408964152537144, 0.8593096490612387, 0.8781260801866495, 0.8973545375015533,
            0.9170040432046711, 0.9370838170551498, 0.9576032806985735, 0.9785720620876999,
            // schema 6
            0.5, 0.5054446430258502, 0.5109485743270583, 0.5165124395106142,
            0.5221368912137069, 0.5278225891802786, 0.5335702003384117, 0.5393803988785598,
            0.5452538663326288, 0.5511912916539204, 0.5571933712979462, 0.5632608093041209,
            0.5693943173783458, 0.5755946149764913, 0.5818624293887887, 0.5881984958251406,
            0.5946035575013605, 0.6010783657263515, 0.6076236799902344, 0.6142402680534349,
            0.620928906036742, 0.6276903785123455, 0.6345254785958666, 0.6414350080393891,
            0.6484197773255048, 0.6554806057623822, 0.6626183215798706, 0.6698337620266515,
            0.6771277734684463, 0.6845012114872953, 0.6919549409819159, 0.6994898362691555,
            0.7071067811865475, 0.7148066691959849, 0.7225904034885232, 0.7304588970903234,
            0.7384130729697496, 0.7464538641456323, 0.7545822137967112, 0.762799075372269,
            0.7711054127039704, 0.7795022001189185, 0.7879904225539431, 0.7965710756711334,
            0.805245165974627, 0.8140137109286738, 0.8228777390769823, 0.8318382901633681,
            0.8408964152537144, 0.8500531768592616, 0.8593096490612387, 0.8686669176368529,
            0.8781260801866495, 0.8876882462632604, 0.8973545375015533, 0.9071260877501991,
            0.9170040432046711, 0.9269895625416926, 0.9370838170551498, 0.9472879907934827,
            0.9576032806985735, 0.9680308967461471, 0.9785720620876999, 0.9892280131939752,
            // schema 7
            0.5, 0.5027149505564014, 0.5054446430258502, 0.5081891574554764,
            0.5109485743270583, 0.5137229745593818, 0.5165124395106142, 0.5193170509806894,
            0.5221368912137069, 0.5249720429003435, 0.5278225891802786, 0.5306886136446309,
            0.5335702003384117, 0.5364674337629877, 0.5393803988785598, 0.5423091811066545,
            0.5452538663326288, 0.5482145409081883, 0.5511912916539204, 0.5541842058618393,
            0.5571933712979462, 0.5602188762048033, 0.5632608093041209, 0.5663192597993595,
            0.5693943173783458, 0.572486072215902, 0.5755946149764913, 0.5787200368168754,
            0.5818624293887887, 0.585021884841625, 0.5881984958251406, 0.5913923554921704,
            0.5946035575013605, 0.5978321960199137, 0.6010783657263515, 0.6043421618132907,
            0.6076236799902344, 0.6109230164863786, 0.6142402680534349, 0.6175755319684665,
            0.620928906036742, 0.6243004885946023, 0.6276903785123455, 0.6310986751971253,
            0.6345254785958666, 0.637970889198196, 0.6414350080393891, 0.6449179367033329,
            0.6484197773255048, 0.6519406325959679, 0.6554806057623822, 0.659039800633032,
            0.6626183215798706, 0.6662162735415805, 0.6698337620266515, 0.6734708931164728,
            0.6771277734684463, 0.6808045103191123, 0.6845012114872953, 0.688217985377265,
            0.6919549409819159, 0.6957121878859629, 0.6994898362691555, 0.7032879969095076,
            0.7071067811865475, 0.7109463010845827, 0.7148066691959849, 0.718687998724491,
            0.7225904034885232, 0.7265139979245261, 0.7304588970903234, 0.7344252166684908,
            0.7384130729697496, 0.7424225829363761, 0.7464538641456323, 0.7505070348132126,
            0.7545822137967112, 0.7586795205991071, 0.762799075372269, 0.7669409989204777,
            0.7711054127039704, 0.7752924388424999, 0.7795022001189185, 0.7837348199827764,
            0.7879904225539431, 0.7922691326262467, 0.7965710756711334, 0.8008963778413465,
            0.805245165974627, 0.8096175675974316, 0.8140137109286738, 0.8184337248834821,
            0.8228777390769823, 0.8273458838280969, 0.8318382901633681, 0.8363550898207981,
            0.8408964152537144, 0.8454623996346523, 0.8500531768592616, 0.8546688815502312,
            0.8593096490612387, 0.8639756154809185, 0.8686669176368529, 0.8733836930995842,
            0.8781260801866495, 0.8828942179666361, 0.8876882462632604, 0.8925083056594671,
            0.8973545375015533, 0.9022270839033115, 0.9071260877501991, 0.9120516927035263,
            0.9170040432046711, 0.9219832844793128, 0.9269895625416926, 0.9320230241988943,
            0.9370838170551498, 0.9421720895161669, 0.9472879907934827, 0.9524316709088368,
            0.9576032806985735, 0.9628029718180622, 0.9680308967461471, 0.9732872087896164,
            0.9785720620876999, 0.9838856116165875, 0.9892280131939752, 0.9945994234836328,
            // schema 8
            0.5, 0.5013556375251013, 0.5027149505564014, 0.5040779490592088,
            0.5054446430258502, 0.5068150424757447, 0.5081891574554764, 0.509566998038869,
            0.5109485743270583, 0.5123338964485679, 0.5137229745593818, 0.5151158188430205,
            0.5165124395106142, 0.5179128468009786, 0.5193170509806894, 0.520725062344158,
            0.5221368912137069, 0.5235525479396449, 0.5249720429003435, 0.526395386502313,
            0.5278225891802786, 0.5292536613972564, 0.5306886136446309, 0.5321274564422321,
            0.5335702003384117, 0.5350168559101208, 0.5364674337629877, 0.5379219445313954,
            0.5393803988785598, 0.5408428074966075, 0.5423091811066545, 0.5437795304588847,
            0.5452538663326288, 0.5467321995364429, 0.5482145409081883, 0.549700901315111,
            0.5511912916539204, 0.5526857228508706, 0.5541842058618393, 0.5556867516724088,
            0.5571933712979462, 0.5587040757836845, 0.5602188762048033, 0.5617377836665098,
            0.5632608093041209, 0.564787964283144, 0.5663192597993595, 0.5678547070789026,
            0.5693943173783458, 0.5709381019847808, 0.572486072215902, 0.5740382394200894,
            0.5755946149764913, 0.5771552102951081, 0.5787200368168754, 0.5802891060137493,
            0.5818624293887887, 0.5834400184762408, 0.585021884841625, 0.5866080400818185,
            0.5881984958251406, 0.5897932637314379, 0.5913923554921704, 0.5929957828304968,
            0.5946035575013605, 0.5962156912915756, 0.5978321960199137, 0.5994530835371903,
            0.6010783657263515, 0.6027080545025619, 0.6043421618132907, 0.6059806996384005,
            0.6076236799902344, 0.6092711149137041, 0.6109230164863786, 0.6125793968185725,
            0.6142402680534349, 0.6159056423670379, 0.6175755319684665, 0.6192499490999082,
            0.620928906036742, 0.622612415087629, 0.6243004885946023, 0.6259931389331581,
            0.6276903785123455, 0.6293922197748583, 0.6310986751971253, 0.6328097572894031,
            0.6345254785958666, 0.6362458516947014, 0.637970889198196, 0.6397006037528346,
            0.6414350080393891, 0.6431741147730128, 0.6449179367033329, 0.6466664866145447,
            0.6484197773255048, 0.6501778216898253, 0.6519406325959679, 0.6537082229673385,
            0.6554806057623822, 0.6572577939746774, 0.659039800633032, 0.6608266388015788,
            0.6626183215798706, 0.6644148621029772, 0.6662162735415805, 0.6680225691020727,
            0.6698337620266515, 0.6716498655934177, 0.6734708931164728, 0.6752968579460171,
            0.6771277734684463, 0.6789636531064505, 0.6808045103191123, 0.6826503586020058,
            0.6845012114872953, 0.6863570825438342, 0.688217985377265, 0.690083933630119,
            0.6919549409819159, 0.6938310211492645, 0.6957121878859629, 0.6975984549830999,
            0.6994898362691555, 0.7013863456101023, 0.7032879969095076, 0.7051948041086352,
            0.7071067811865475, 0.7090239421602076, 0.7109463010845827, 0.7128738720527471,
            0.7148066691959849, 0.7167447066838943, 0.718687998724491, 0.7206365595643126,
            0.7225904034885232, 0.7245495448210174, 0.7265139979245261, 0.7284837772007218,
            0.7304588970903234, 0.7324393720732029, 0.7344252166684908, 0.7364164454346837,
            0.7384130729697496, 0.7404151139112358, 0.7424225829363761, 0.7444354947621984,
            0.7464538641456323, 0.7484777058836176, 0.7505070348132126, 0.7525418658117031,
            0.7545822137967112, 0.7566280937263048, 0.7586795205991071, 0.7607365094544071,
            0.762799075372269, 0.7648672334736434, 0.7669409989204777, 0.7690203869158282,
            0.7711054127039704, 0.7731960915705107, 0.7752924388424999, 0.7773944698885442,
            0.7795022001189185, 0.7816156449856788, 0.7837348199827764, 0.7858597406461707,
            0.7879904225539431, 0.7901268813264122, 0.7922691326262467, 0.7944171921585818,
            0.7965710756711334, 0.7987307989543135, 0.8008963778413465, 0.8030678282083853,
            0.805245165974627, 0.8074284071024302, 0.8096175675974316, 0.8118126635086642,
            0.8140137109286738, 0.8162207259936375, 0.8184337248834821, 0.820652723822003,
            0.8228777390769823, 0.8251087869603088, 0.8273458838280969, 0.8295890460808079,
            0.8318382901633681, 0.8340936325652911, 0.8363550898207981, 0.8386226785089391,
            0.8408964152537144, 0.8431763167241966, 0.8454623996346523, 0.8477546807446661,
            0.8500531768592616, 0.8523579048290255, 0.8546688815502312, 0.8569861239649629,
            0.8593096490612387, 0.8616394738731368, 0.8639756154809185, 0.8663180910111553,
            0.8686669176368529, 0.871022112577578, 0.8733836930995842, 0.8757516765159389,
            0.8781260801866495, 0.8805069215187917, 0.8828942179666361, 0.8852879870317771,
            0.8876882462632604, 0.890095013257712, 0.8925083056594671, 0.8949281411607002,
            0.8973545375015533, 0.8997875124702672, 0.9022270839033115, 0.9046732696855155,
            0.9071260877501991, 0.909585556079304, 0.9120516927035263, 0.9145245157024483,
            0.9170040432046711, 0.9194902933879467, 0.9219832844793128, 0.9244830347552253,
            0.9269895625416926, 0.92950288621441, 0.9320230241988943, 0.9345499949706191,
            0.9370838170551498, 0.93962450902828, 0.9421720895161669, 0.9447265771954693,
            0.9472879907934827, 0.9498563490882775, 0.9524316709088368, 0.9550139751351947,
            0.9576032806985735, 0.9601996065815236, 0.9628029718180622, 0.9654133954938133,
            0.9680308967461471, 0.9706554947643201, 0.9732872087896164, 0.9759260581154889,
            0.9785720620876999, 0.9812252401044634, 0.9838856116165875, 0.9865531961276168,
            0.9892280131939752, 0.9919100824251095, 0.9945994234836328, 0.9972960560854698,
        };

        private ExponentialBounds() {
        }
    }
}
