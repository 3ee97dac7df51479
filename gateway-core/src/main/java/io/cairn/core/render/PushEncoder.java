package io.cairn.core.render;

import io.cairn.core.model.GoStrings;
import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.MetricType;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushedFamily;
import io.cairn.core.model.PushedMetric;
import io.cairn.core.proto.Metrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Turns a decoded push into pre-serialized families for one group, on the event loop that received it: the
 * Pushgateway's label sanitizing ({@code handler/push.go}: grouping labels overwrite body labels, {@code
 * instance=""} is added when missing, labels are sorted), expfmt's series order and line format, the same series
 * as protobuf {@code Metric} fields ({@link ProtoWriter}), and the checks that need only the push itself
 * (timestamps, the same series twice, what client_golang checks of a protobuf metric).
 *
 * <p>Not thread-safe: one instance per event loop or connection, reused from push to push.
 */
public final class PushEncoder {
    /** The Pushgateway's own per-group families; pushed families of these names are replaced by the gateway's. */
    public static final String PUSH_TIME_FAMILY = "push_time_seconds";
    public static final String PUSH_FAILURE_TIME_FAMILY = "push_failure_time_seconds";
    public static final String TIMESTAMPS_REJECTED = "pushed metrics must not have timestamps";

    private static final int INITIAL_CHUNK_BYTES = 256;
    /** Scratch buffers live as long as their encoder and are never handed out: no leak tracking for them. */
    private static final ByteBufAllocator SCRATCH = new UnpooledByteBufAllocator(false, true);
    private static final Comparator<SanitizedMetric> EXPFMT_ORDER = PushEncoder::compareExpfmt;

    private final ArrayList<SanitizedMetric> metrics = new ArrayList<>();
    /** Lines are written here first, then copied into a direct buffer of exactly their size. */
    private final ByteBuf lines = SCRATCH.heapBuffer(INITIAL_CHUNK_BYTES);
    private final StringBuilder scratch = new StringBuilder(32);
    /** Protobuf size of each metric of the family being encoded. */
    private int[] protoSizes = new int[16];

    /** The result of {@link #encode}: the encoded families, and why the push must be rejected, if it must. */
    public static final class EncodedPush {
        private final EncodedFamily[] families;
        private final String rejection;

        EncodedPush(EncodedFamily[] families, String rejection) {
            this.families = families;
            this.rejection = rejection;
        }

        public EncodedFamily[] families() {
            return families;
        }

        /** The consistency error that rejects this push (with a 400), or {@code null}. */
        public String rejection() {
            return rejection;
        }

        public void release() {
            for (EncodedFamily family : families) {
                family.release();
            }
        }
    }

    /** One pushed metric with its final, sorted labels. */
    private static final class SanitizedMetric {
        final PushedMetric metric;
        final String[] names;
        final String[] values;
        final long hash;

        SanitizedMetric(PushedMetric metric, String[] names, String[] values, long hash) {
            this.metric = metric;
            this.names = names;
            this.values = values;
            this.hash = hash;
        }
    }

    /**
     * Encodes every family of {@code content} for group {@code key}. Families named like the gateway's own
     * per-group timestamps are dropped, as the Pushgateway overwrites them. The returned buffers come from
     * {@code alloc}; the caller owns them.
     */
    public EncodedPush encode(GroupingKey key, PushContent content, ByteBufAllocator alloc) {
        final ArrayList<EncodedFamily> encoded = new ArrayList<>(content.familyCount());
        String rejection = null;
        boolean timestamps = false;
        for (int f = 0; f < content.familyCount(); f++) {
            final PushedFamily family = content.family(f);
            if (PUSH_TIME_FAMILY.equals(family.name()) || PUSH_FAILURE_TIME_FAMILY.equals(family.name())) {
                continue;
            }
            final MetricType type = family.type() == null ? MetricType.UNTYPED : family.type();
            if (rejection == null && family.metricCount() > 0 && !GoStrings.isLegacyMetricName(family.name())) {
                // only a protobuf push can name a family so; the Pushgateway stores it and its text scrapes break
                // (a family without metrics is left out of scrapes: stored, as Go does)
                rejection = GoStrings.quote(family.name()) + " is not a valid metric name";
            }
            metrics.clear();
            for (int m = 0; m < family.metricCount(); m++) {
                final PushedMetric metric = family.metric(m);
                timestamps |= metric.hasTimestamp();
                final SanitizedMetric sm = sanitize(family.name(), metric, key);
                if (rejection == null && metric.source() != null) {
                    rejection = checkDecoded(family.name(), type, sm);
                }
                metrics.add(sm);
            }
            metrics.sort(EXPFMT_ORDER);
            final int n = metrics.size();
            final long[] hashes = new long[n];
            final int[] offsets = new int[n];
            lines.clear();
            if (protoSizes.length < n) {
                protoSizes = new int[Math.max(n, protoSizes.length * 2)];
            }
            int protoLength = 0;
            for (int i = 0; i < n; i++) {
                final SanitizedMetric sm = metrics.get(i);
                hashes[i] = sm.hash;
                offsets[i] = lines.writerIndex();
                writeMetric(lines, family.name(), type, sm);
                protoSizes[i] = ProtoWriter.metricSize(type, sm.names, sm.values, sm.metric);
                protoLength += ProtoWriter.metricFieldSize(protoSizes[i]);
            }
            final int textLength = lines.readableBytes();
            final ByteBuf bytes = alloc.directBuffer(textLength + protoLength, textLength + protoLength);
            bytes.writeBytes(lines, lines.readerIndex(), textLength);
            ProtoWriter.writeFields(bytes, protoLength, out -> {
                for (int i = 0; i < n; i++) {
                    final SanitizedMetric sm = metrics.get(i);
                    ProtoWriter.writeMetricField(out, type, sm.names, sm.values, sm.metric, protoSizes[i]);
                }
            });
            if (rejection == null) {
                rejection = duplicateSeries(family.name(), type);
            }
            encoded.add(new EncodedFamily(family.name(), type, family.help(), bytes, textLength, hashes, offsets));
        }
        metrics.clear();
        if (timestamps) {
            // the Pushgateway checks timestamps before anything else
            rejection = TIMESTAMPS_REJECTED;
        }
        return new EncodedPush(encoded.toArray(new EncodedFamily[0]), rejection);
    }

    /** Encodes the gauge {@code push_time_seconds} or {@code push_failure_time_seconds} of a group. */
    public static EncodedFamily encodeTimestamp(String name, String help, GroupingKey key, double unixSeconds,
                                                ByteBufAllocator alloc) {
        final ByteBuf text = SCRATCH.heapBuffer(64 + 16 * key.size());
        ByteBufUtil.writeUtf8(text, name);
        text.writeByte('{');
        boolean first = true;
        boolean instanceWritten = key.hasInstance();
        for (int i = 0; i < key.size(); i++) {
            if (!instanceWritten && key.name(i).compareTo(GroupingKey.INSTANCE) > 0) {
                first = writeLabel(text, first, GroupingKey.INSTANCE, "");
                instanceWritten = true;
            }
            first = writeLabel(text, first, key.name(i), key.value(i));
        }
        if (!instanceWritten) {
            writeLabel(text, first, GroupingKey.INSTANCE, "");
        }
        text.writeByte('}').writeByte(' ');
        TextWriter.writeFloat(text, unixSeconds, new StringBuilder(24));
        text.writeByte('\n');
        final String[] names = labelNamesWithInstance(key);
        final String[] values = new String[names.length];
        long hash = SeriesHash.addSeparator(SeriesHash.add(SeriesHash.OFFSET, name));
        for (int i = 0; i < names.length; i++) {
            values[i] = GroupingKey.INSTANCE.equals(names[i]) && !key.hasInstance() ? "" : key.value(names[i]);
            hash = SeriesHash.addSeparator(SeriesHash.add(SeriesHash.addSeparator(SeriesHash.add(hash, names[i])),
                    values[i]));
        }
        final PushedMetric metric = new PushedMetric();
        metric.value(unixSeconds);
        final int size = ProtoWriter.metricSize(MetricType.GAUGE, names, values, metric);
        final int protoLength = ProtoWriter.metricFieldSize(size);
        final int textLength = text.readableBytes();
        final ByteBuf bytes = alloc.directBuffer(textLength + protoLength, textLength + protoLength);
        bytes.writeBytes(text);
        ProtoWriter.writeFields(bytes, protoLength,
                out -> ProtoWriter.writeMetricField(out, MetricType.GAUGE, names, values, metric, size));
        return new EncodedFamily(name, MetricType.GAUGE, help, bytes, textLength, new long[] {hash}, new int[] {0});
    }

    private static String[] labelNamesWithInstance(GroupingKey key) {
        final ArrayList<String> names = new ArrayList<>(key.size() + 1);
        for (int i = 0; i < key.size(); i++) {
            names.add(key.name(i));
        }
        if (!key.hasInstance()) {
            names.add(GroupingKey.INSTANCE);
            names.sort(null);
        }
        return names.toArray(new String[0]);
    }

    private static SanitizedMetric sanitize(String familyName, PushedMetric metric, GroupingKey key) {
        final int pushed = metric.labelCount();
        final String[] names = new String[pushed + key.size() + 1];
        final String[] values = new String[names.length];
        int count = 0;
        boolean hasInstance = key.hasInstance();
        for (int i = 0; i < pushed; i++) {
            final String name = metric.labelName(i);
            if (key.value(name) != null) {
                continue; // "will be overwritten to match the labels defined by the URL path"
            }
            hasInstance |= GroupingKey.INSTANCE.equals(name);
            names[count] = name;
            values[count] = metric.labelValue(i);
            count++;
        }
        for (int i = 0; i < key.size(); i++) {
            names[count] = key.name(i);
            values[count] = key.value(i);
            count++;
        }
        if (!hasInstance) {
            names[count] = GroupingKey.INSTANCE;
            values[count] = "";
            count++;
        }
        sortByName(names, values, count);
        final String[] sortedNames = Arrays.copyOf(names, count);
        final String[] sortedValues = Arrays.copyOf(values, count);
        long hash = SeriesHash.addSeparator(SeriesHash.add(SeriesHash.OFFSET, familyName));
        for (int i = 0; i < count; i++) {
            hash = SeriesHash.addSeparator(SeriesHash.add(hash, sortedNames[i]));
            hash = SeriesHash.addSeparator(SeriesHash.add(hash, sortedValues[i]));
        }
        return new SanitizedMetric(metric, sortedNames, sortedValues, hash);
    }

    /** Insertion sort: label sets are small and mostly sorted already. */
    private static void sortByName(String[] names, String[] values, int count) {
        for (int i = 1; i < count; i++) {
            final String name = names[i];
            final String value = values[i];
            int j = i - 1;
            while (j >= 0 && GoStrings.compare(names[j], name) > 0) {
                names[j + 1] = names[j];
                values[j + 1] = values[j];
                j--;
            }
            names[j + 1] = name;
            values[j + 1] = value;
        }
    }

    /** expfmt's {@code metricSorter}: by label count, then label values position by position. */
    private static int compareExpfmt(SanitizedMetric a, SanitizedMetric b) {
        if (a.names.length != b.names.length) {
            return Integer.compare(a.names.length, b.names.length);
        }
        for (int i = 0; i < a.values.length; i++) {
            final int c = GoStrings.compare(a.values[i], b.values[i]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /**
     * What client_golang's {@code checkMetricConsistency} finds wrong with a metric decoded from protobuf (a text
     * push cannot have these faults: its parser rejects them), or {@code null}: the field of the family's type
     * missing, a label name twice or invalid, a {@code quantile} label on a summary; and, beyond the Pushgateway,
     * an {@code le} label on a histogram, which would repeat {@code le} in its text buckets.
     */
    private static String checkDecoded(String name, MetricType type, SanitizedMetric sm) {
        final Metrics.Metric source = sm.metric.source();
        final boolean typed;
        switch (type) {
            case COUNTER:
                typed = source.hasCounter();
                break;
            case GAUGE:
                typed = source.hasGauge();
                break;
            case SUMMARY:
                typed = source.hasSummary();
                break;
            case HISTOGRAM:
                typed = source.hasHistogram();
                break;
            default:
                typed = source.hasUntyped();
                break;
        }
        if (!typed) {
            return MetricDescriber.notOfType(name, describe(type, sm), type);
        }
        String previous = "";
        for (int i = 0; i < sm.names.length; i++) {
            final String problem = labelProblem(type, sm.names[i], sm.values[i], previous, source);
            if (problem != null) {
                return MetricDescriber.labelProblem(name, describe(type, sm), problem);
            }
            previous = sm.names[i];
        }
        return null;
    }

    /** What is wrong with one label of a decoded metric (labels sorted by name), or {@code null}. */
    private static String labelProblem(MetricType type, String label, String value, String previous,
                                       Metrics.Metric source) {
        if (label.equals(previous)) {
            return "has two or more labels with the same name: " + label;
        }
        if (!GoStrings.isLegacyLabelName(label) || label.startsWith("__")) {
            return "has a label with an invalid name: " + label;
        }
        if (type == MetricType.SUMMARY && label.equals("quantile")) {
            return "must not have an explicit \"quantile\" label";
        }
        if (type == MetricType.HISTOGRAM && label.equals("le")) {
            return "must not have an explicit \"le\" label";
        }
        // the decoder replaced bad bytes by U+FFFD in the value's string: look at the raw ones only then
        return value.indexOf('\uFFFD') >= 0 ? invalidUtf8(source, label) : null;
    }

    /** client_golang's complaint about a pushed label value that is not UTF-8, or {@code null}. */
    private static String invalidUtf8(Metrics.Metric source, String label) {
        for (Metrics.LabelPair pair : source.getLabelList()) {
            if (pair.getName().equals(label)) {
                final byte[] value = pair.getValueBytes().toByteArray();
                return GoStrings.isValidUtf8(value, 0, value.length) ? null
                        : "has a label named " + GoStrings.quote(label) + " whose value is not utf8: "
                                + GoStrings.quote(value, 0, value.length);
            }
        }
        return null;
    }

    private static String describe(MetricType type, SanitizedMetric sm) {
        return MetricDescriber.describe(type, sm.names, sm.values, sm.metric);
    }

    /** The consistency error for the first series pushed twice, or {@code null}. */
    private String duplicateSeries(String name, MetricType type) {
        if (metrics.size() < 2) {
            return null;
        }
        final it.unimi.dsi.fastutil.longs.LongOpenHashSet seen =
                new it.unimi.dsi.fastutil.longs.LongOpenHashSet(metrics.size());
        for (SanitizedMetric sm : metrics) {
            if (!seen.add(sm.hash)) {
                return MetricDescriber.duplicate(name, MetricDescriber.describe(type, sm.names, sm.values, sm.metric));
            }
        }
        return null;
    }

    private void writeMetric(ByteBuf out, String name, MetricType type, SanitizedMetric sm) {
        final PushedMetric metric = sm.metric;
        switch (type) {
            case SUMMARY:
                for (int q = 0; q < metric.quantileCount(); q++) {
                    writeSample(out, name, null, sm, "quantile", metric.quantile(q), metric.quantileValue(q));
                }
                writeSample(out, name, "_sum", sm, null, 0, metric.sampleSum());
                writeSample(out, name, "_count", sm, null, 0, unsignedToDouble(metric.sampleCount()));
                break;
            case HISTOGRAM:
                boolean infSeen = false;
                for (int b = 0; b < metric.bucketCount(); b++) {
                    final double bound = metric.upperBound(b);
                    writeSample(out, name, "_bucket", sm, "le", bound, unsignedToDouble(metric.cumulativeCount(b)));
                    infSeen |= bound == Double.POSITIVE_INFINITY;
                }
                if (!infSeen) {
                    writeSample(out, name, "_bucket", sm, "le", Double.POSITIVE_INFINITY,
                            unsignedToDouble(metric.sampleCount()));
                }
                writeSample(out, name, "_sum", sm, null, 0, metric.sampleSum());
                writeSample(out, name, "_count", sm, null, 0, unsignedToDouble(metric.sampleCount()));
                break;
            default:
                writeSample(out, name, null, sm, null, 0, metric.value());
                break;
        }
    }

    private void writeSample(ByteBuf out, String name, String suffix, SanitizedMetric sm, String extraName,
                             double extraValue, double value) {
        ByteBufUtil.writeUtf8(out, name);
        if (suffix != null) {
            ByteBufUtil.writeAscii(out, suffix);
        }
        boolean first = true;
        out.writeByte('{');
        for (int i = 0; i < sm.names.length; i++) {
            first = writeLabel(out, first, sm.names[i], sm.values[i]);
        }
        if (extraName != null) {
            if (!first) {
                out.writeByte(',');
            }
            ByteBufUtil.writeAscii(out, extraName);
            out.writeByte('=').writeByte('"');
            TextWriter.writeFloat(out, extraValue, scratch);
            out.writeByte('"');
        }
        out.writeByte('}').writeByte(' ');
        TextWriter.writeFloat(out, value, scratch);
        out.writeByte('\n');
    }

    private static boolean writeLabel(ByteBuf out, boolean first, String name, String value) {
        if (!first) {
            out.writeByte(',');
        }
        ByteBufUtil.writeUtf8(out, name);
        out.writeByte('=').writeByte('"');
        TextWriter.writeLabelValue(out, value);
        out.writeByte('"');
        return false;
    }

    /** Go's {@code float64(uint64)}. */
    static double unsignedToDouble(long unsigned) {
        if (unsigned >= 0) {
            return unsigned;
        }
        // add the high bit back: (unsigned >>> 1) * 2 keeps the magnitude, the low bit is below double precision
        return ((unsigned >>> 1) | (unsigned & 1)) * 2.0;
    }
}
