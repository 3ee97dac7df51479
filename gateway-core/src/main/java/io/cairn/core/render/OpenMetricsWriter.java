package io.cairn.core.render;

import com.google.protobuf.Timestamp;
import io.cairn.core.model.MetricType;
import io.cairn.core.proto.Metrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.util.List;

/**
 * Writes metric families in OpenMetrics 1.0 text, byte for byte as upstream prometheus/common writes them with
 * {@code expfmt.MetricFamilyToOpenMetrics(out, family, expfmt.WithCreatedLines())}
 * ({@code expfmt/openmetrics_create.go}), and the closing {@code # EOF} line of {@code FinalizeOpenMetrics}, which
 * client_golang's promhttp writes once after the last family.
 *
 * <p>What expfmt does, and this class copies on purpose:
 * <ul>
 * <li>A counter named {@code x_total} is announced as {@code # HELP x} / {@code # TYPE x counter}, its samples keep
 *     the name {@code x_total} and its created line is {@code x_created}. A counter without the suffix gets
 *     {@code # TYPE x unknown} and samples named {@code x}: nothing is appended. Untyped is {@code unknown}.</li>
 * <li>Sample values, {@code quantile} and {@code le} label values and timestamps are written as
 *     {@code writeOpenMetricsFloat}: Go's shortest {@code 'g'} with {@code .0} added to integral values
 *     ({@code 1.0}, {@code 0.0}, {@code 1e+06}, {@code NaN}, {@code +Inf}); counts as unsigned integers.</li>
 * <li>Timestamps are seconds: {@code timestamp_ms / 1000}; created and exemplar timestamps
 *     {@code float64(UnixNano) / 1e9}, with the int64 overflow of {@code UnixNano} outside 1678..2262.</li>
 * <li>HELP texts are escaped like label values ({@code \\}, newline and {@code "}).</li>
 * <li>An exemplar (counters and classic buckets only) is written only when it has labels.</li>
 * <li>A histogram without a {@code +Inf} bucket gets one with the sample count; a native histogram without
 *     classic buckets is therefore written as just {@code _bucket{le="+Inf"}}, {@code _sum} and {@code _count}.</li>
 * <li>Names outside the legacy grammar {@code [a-zA-Z_:][a-zA-Z0-9_:]*} are quoted and escaped; a sample name
 *     then moves inside the braces: {@code {"my.metric_total","a.b"="1"} 1.0}.</li>
 * </ul>
 *
 * <p>Where expfmt returns an error, {@link #writeFamily} returns its reason and leaves in {@code out} exactly what
 * expfmt had written before it: promhttp's default {@code HTTPErrorOnError} then stops the response there, without
 * {@code # EOF}. The reasons are float histograms (OpenMetrics 1.0 has none), an exemplar timestamp outside
 * {@code google.protobuf.Timestamp}'s valid range (except on a counter with a created timestamp, where expfmt
 * loses the error and goes on), a metric without the value of its family's type, and a family without a name.
 *
 * <p>Stateless and thread-safe; the caller passes a scratch builder (one per event loop) for number formatting.
 */
public final class OpenMetricsWriter {
    public static final String FLOAT_HISTOGRAM = "OpenMetrics v1.0 does not support float histogram";

    private static final String TOTAL = "_total";
    private static final String CREATED = "_created";
    private static final String SUM = "_sum";
    private static final String COUNT = "_count";
    private static final String BUCKET = "_bucket";
    private static final String QUANTILE_LABEL = "quantile";
    private static final String BUCKET_LABEL = "le";
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final double MILLIS_PER_SECOND = 1000.0;
    /** {@code google.protobuf.Timestamp}'s valid range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
    private static final long MIN_TIMESTAMP_SECONDS = -62_135_596_800L;
    private static final long MAX_TIMESTAMP_SECONDS = 253_402_300_799L;
    private static final double SMALL_INTEGER_LIMIT = 1e6;

    private OpenMetricsWriter() {
    }

    /**
     * Writes one family: HELP (when {@code help} is non-null), TYPE, then the lines of every metric in list order
     * with labels in the order each metric has them.
     *
     * @param scratch reused for number formatting; its content is undefined afterwards
     * @return {@code null} when the whole family was written, else why expfmt fails on it (the bytes expfmt writes
     *         before failing are in {@code out}; nothing more must follow in the response)
     */
    public static String writeFamily(ByteBuf out, String name, String help, MetricType type,
                                     List<Metrics.Metric> metrics, StringBuilder scratch) {
        if (name.isEmpty()) {
            return "MetricFamily has no name";
        }
        final boolean quoted = !isLegacyName(name, name.length());
        // a counter x_total is announced as x and created as x_created; every other name is used as it is
        final boolean counterTotal = type == MetricType.COUNTER && name.endsWith(TOTAL);
        final int shortEnd = counterTotal ? name.length() - TOTAL.length() : name.length();
        writeHeader(out, name, shortEnd, quoted || shortEnd == 0, help, type, counterTotal);

        final int end = name.length();
        for (int i = 0; i < metrics.size(); i++) {
            final Metrics.Metric metric = metrics.get(i);
            final String error;
            switch (type) {
                case COUNTER:
                    error = writeCounter(out, name, end, shortEnd, quoted, metric, scratch);
                    break;
                case GAUGE:
                    error = metric.hasGauge()
                            ? writeSample(out, name, end, "", quoted, metric, null, 0, metric.getGauge().getValue(),
                                    null, scratch)
                            : wrongType(name, "gauge");
                    break;
                case UNTYPED:
                    error = metric.hasUntyped()
                            ? writeSample(out, name, end, "", quoted, metric, null, 0,
                                    metric.getUntyped().getValue(), null, scratch)
                            : wrongType(name, "untyped");
                    break;
                case SUMMARY:
                    error = writeSummary(out, name, end, quoted, metric, scratch);
                    break;
                case HISTOGRAM:
                    error = writeHistogram(out, name, end, quoted, metric, scratch);
                    break;
                default:
                    error = "unknown metric type " + type;
                    break;
            }
            if (error != null) {
                return error;
            }
        }
        return null;
    }

    /** Writes the {@code # EOF} line that ends every OpenMetrics exposition ({@code expfmt.FinalizeOpenMetrics}). */
    public static void writeEof(ByteBuf out) {
        ByteBufUtil.writeAscii(out, "# EOF\n");
    }

    /**
     * Writes {@code value} as expfmt's {@code writeOpenMetricsFloat}: {@code 1.0}, {@code 0.0} (negative zero
     * included), {@code -1.0}, {@code NaN}, {@code +Inf}, {@code -Inf}, else Go's shortest {@code 'g'} with
     * {@code .0} appended when it has neither a {@code .} nor an {@code e}.
     */
    public static void writeFloat(ByteBuf out, double value, StringBuilder scratch) {
        if (value == Math.rint(value) && Math.abs(value) < SMALL_INTEGER_LIMIT) {
            // fast path: small integers ('g' writes them without exponent, so ".0" always follows)
            TextWriter.writeLong(out, (long) value);
            out.writeByte('.').writeByte('0');
            return;
        }
        scratch.setLength(0);
        GoFloatFormatter.append(scratch, value);
        ByteBufUtil.writeAscii(out, scratch);
        if (Double.isFinite(value) && !hasPointOrExponent(scratch)) {
            out.writeByte('.').writeByte('0');
        }
    }

    private static boolean hasPointOrExponent(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '.' || c == 'e') {
                return true;
            }
        }
        return false;
    }

    private static void writeHeader(ByteBuf out, String name, int shortEnd, boolean quoted, String help,
                                    MetricType type, boolean counterTotal) {
        if (help != null) {
            ByteBufUtil.writeAscii(out, "# HELP ");
            writeName(out, name, shortEnd, "", quoted);
            out.writeByte(' ');
            // OpenMetrics escapes the double quote in HELP too, unlike text format 0.0.4
            TextWriter.writeLabelValue(out, help);
            out.writeByte('\n');
        }
        ByteBufUtil.writeAscii(out, "# TYPE ");
        writeName(out, name, shortEnd, "", quoted);
        ByteBufUtil.writeAscii(out, typeLine(type, counterTotal));
    }

    private static String typeLine(MetricType type, boolean counterTotal) {
        switch (type) {
            case COUNTER:
                // a counter without _total would be invalid OpenMetrics: expfmt calls it unknown
                return counterTotal ? " counter\n" : " unknown\n";
            case GAUGE:
                return " gauge\n";
            case SUMMARY:
                return " summary\n";
            case HISTOGRAM:
                return " histogram\n";
            default:
                return " unknown\n";
        }
    }

    private static String writeCounter(ByteBuf out, String name, int end, int shortEnd, boolean quoted,
                                       Metrics.Metric metric, StringBuilder scratch) {
        if (!metric.hasCounter()) {
            return wrongType(name, "counter");
        }
        final Metrics.Counter counter = metric.getCounter();
        final String error = writeSample(out, name, end, "", quoted, metric, null, 0, counter.getValue(),
                counter.hasExemplar() ? counter.getExemplar() : null, scratch);
        if (counter.hasCreatedTimestamp()) {
            // expfmt quirk copied on purpose: the created line's result overwrites the sample's error, so an invalid
            // exemplar timestamp is no error here and the created line follows the unfinished sample line
            writeCreated(out, name, shortEnd, quoted, metric, counter.getCreatedTimestamp(), scratch);
            return null;
        }
        return error;
    }

    private static String writeSummary(ByteBuf out, String name, int end, boolean quoted, Metrics.Metric metric,
                                       StringBuilder scratch) {
        if (!metric.hasSummary()) {
            return wrongType(name, "summary");
        }
        final Metrics.Summary summary = metric.getSummary();
        for (int q = 0; q < summary.getQuantileCount(); q++) {
            final Metrics.Quantile quantile = summary.getQuantile(q);
            writeSample(out, name, end, "", quoted, metric, QUANTILE_LABEL, quantile.getQuantile(),
                    quantile.getValue(), null, scratch);
        }
        writeSample(out, name, end, SUM, quoted, metric, null, 0, summary.getSampleSum(), null, scratch);
        writeCount(out, name, end, COUNT, quoted, metric, null, 0, summary.getSampleCount(), null, scratch);
        if (summary.hasCreatedTimestamp()) {
            writeCreated(out, name, end, quoted, metric, summary.getCreatedTimestamp(), scratch);
        }
        return null;
    }

    private static String writeHistogram(ByteBuf out, String name, int end, boolean quoted, Metrics.Metric metric,
                                         StringBuilder scratch) {
        if (!metric.hasHistogram()) {
            return wrongType(name, "histogram");
        }
        final Metrics.Histogram histogram = metric.getHistogram();
        boolean infSeen = false;
        for (int b = 0; b < histogram.getBucketCount(); b++) {
            final Metrics.Bucket bucket = histogram.getBucket(b);
            if (bucket.getCumulativeCountFloat() > 0) {
                return floatHistogram(name);
            }
            final String error = writeCount(out, name, end, BUCKET, quoted, metric, BUCKET_LABEL,
                    bucket.getUpperBound(), bucket.getCumulativeCount(),
                    bucket.hasExemplar() ? bucket.getExemplar() : null, scratch);
            if (error != null) {
                return error;
            }
            infSeen |= bucket.getUpperBound() == Double.POSITIVE_INFINITY;
        }
        if (!infSeen) {
            // expfmt adds the +Inf bucket, so a native-only histogram is exposed as one bucket, _sum and _count
            writeCount(out, name, end, BUCKET, quoted, metric, BUCKET_LABEL, Double.POSITIVE_INFINITY,
                    histogram.getSampleCount(), null, scratch);
        }
        writeSample(out, name, end, SUM, quoted, metric, null, 0, histogram.getSampleSum(), null, scratch);
        // expfmt checks the float count only after _sum, so _sum is part of what a failing family leaves behind
        if (histogram.getSampleCountFloat() > 0) {
            return floatHistogram(name);
        }
        writeCount(out, name, end, COUNT, quoted, metric, null, 0, histogram.getSampleCount(), null, scratch);
        if (histogram.hasCreatedTimestamp()) {
            writeCreated(out, name, end, quoted, metric, histogram.getCreatedTimestamp(), scratch);
        }
        return null;
    }

    /** A sample with a float value: expfmt's {@code writeOpenMetricsSample} with {@code useIntValue=false}. */
    private static String writeSample(ByteBuf out, String name, int end, String suffix, boolean quoted,
                                      Metrics.Metric metric, String extraLabel, double extraValue, double value,
                                      Metrics.Exemplar exemplar, StringBuilder scratch) {
        writeNameAndLabels(out, name, end, suffix, quoted, metric, extraLabel, extraValue, scratch);
        out.writeByte(' ');
        writeFloat(out, value, scratch);
        return finishSample(out, metric, exemplar, scratch);
    }

    /** A sample with an unsigned count: expfmt's {@code writeOpenMetricsSample} with {@code useIntValue=true}. */
    private static String writeCount(ByteBuf out, String name, int end, String suffix, boolean quoted,
                                     Metrics.Metric metric, String extraLabel, double extraValue, long count,
                                     Metrics.Exemplar exemplar, StringBuilder scratch) {
        writeNameAndLabels(out, name, end, suffix, quoted, metric, extraLabel, extraValue, scratch);
        out.writeByte(' ');
        writeUnsigned(out, count);
        return finishSample(out, metric, exemplar, scratch);
    }

    private static String finishSample(ByteBuf out, Metrics.Metric metric, Metrics.Exemplar exemplar,
                                       StringBuilder scratch) {
        if (metric.hasTimestampMs()) {
            out.writeByte(' ');
            writeFloat(out, metric.getTimestampMs() / MILLIS_PER_SECOND, scratch);
        }
        if (exemplar != null && exemplar.getLabelCount() > 0) {
            final String error = writeExemplar(out, exemplar, scratch);
            if (error != null) {
                return error;
            }
        }
        out.writeByte('\n');
        return null;
    }

    /** {@code name_created{labels} seconds}: no metric timestamp, no exemplar. */
    private static void writeCreated(ByteBuf out, String name, int end, boolean quoted, Metrics.Metric metric,
                                     Timestamp created, StringBuilder scratch) {
        writeNameAndLabels(out, name, end, CREATED, quoted, metric, null, 0, scratch);
        out.writeByte(' ');
        writeFloat(out, unixSeconds(created), scratch);
        out.writeByte('\n');
    }

    private static String writeExemplar(ByteBuf out, Metrics.Exemplar exemplar, StringBuilder scratch) {
        ByteBufUtil.writeAscii(out, " # ");
        out.writeByte('{');
        for (int i = 0; i < exemplar.getLabelCount(); i++) {
            if (i > 0) {
                out.writeByte(',');
            }
            writeLabel(out, exemplar.getLabel(i));
        }
        out.writeByte('}').writeByte(' ');
        writeFloat(out, exemplar.getValue(), scratch);
        if (exemplar.hasTimestamp()) {
            out.writeByte(' ');
            final Timestamp timestamp = exemplar.getTimestamp();
            // expfmt validates the exemplar timestamp (and only that one) after writing the space before it
            if (timestamp.getSeconds() < MIN_TIMESTAMP_SECONDS || timestamp.getSeconds() > MAX_TIMESTAMP_SECONDS
                    || timestamp.getNanos() < 0 || timestamp.getNanos() >= NANOS_PER_SECOND) {
                return invalidTimestamp(timestamp);
            }
            writeFloat(out, unixSeconds(timestamp), scratch);
        }
        return null;
    }

    /**
     * Go's {@code float64(ts.AsTime().UnixNano()) / 1e9}. {@code UnixNano} is {@code seconds * 1e9 + nanos} in
     * wrapping int64 arithmetic, which Java's long arithmetic reproduces, overflow included.
     */
    static double unixSeconds(Timestamp timestamp) {
        return (timestamp.getSeconds() * NANOS_PER_SECOND + timestamp.getNanos()) / 1e9;
    }

    /**
     * Writes the sample name ({@code name[0, end) + suffix}) and the label set: {@code name{a="1",le="0.5"}},
     * {@code name} alone when there are no labels, {@code {"quoted.name",a="1"}} when the name is not legacy.
     */
    private static void writeNameAndLabels(ByteBuf out, String name, int end, String suffix, boolean quoted,
                                           Metrics.Metric metric, String extraLabel, double extraValue,
                                           StringBuilder scratch) {
        boolean open = false;
        if (quoted) {
            out.writeByte('{');
            open = true;
        }
        writeName(out, name, end, suffix, quoted);
        final int labels = metric.getLabelCount();
        if (labels == 0 && extraLabel == null) {
            if (open) {
                out.writeByte('}');
            }
            return;
        }
        for (int i = 0; i < labels; i++) {
            out.writeByte(open ? ',' : '{');
            open = true;
            writeLabel(out, metric.getLabel(i));
        }
        if (extraLabel != null) {
            out.writeByte(open ? ',' : '{');
            ByteBufUtil.writeAscii(out, extraLabel);
            out.writeByte('=').writeByte('"');
            writeFloat(out, extraValue, scratch);
            out.writeByte('"');
        }
        out.writeByte('}');
    }

    private static void writeLabel(ByteBuf out, Metrics.LabelPair label) {
        final String labelName = label.getName();
        writeName(out, labelName, labelName.length(), "", !isLegacyName(labelName, labelName.length()));
        out.writeByte('=').writeByte('"');
        TextWriter.writeLabelValue(out, label.getValue());
        out.writeByte('"');
    }

    /** expfmt's {@code writeName}: as it is when legacy, else in double quotes, escaped like a label value. */
    private static void writeName(ByteBuf out, String name, int end, String suffix, boolean quoted) {
        if (!quoted) {
            // fast path: legacy names are ASCII and need no escaping
            if (end == name.length()) {
                ByteBufUtil.writeAscii(out, name);
            } else {
                for (int i = 0; i < end; i++) {
                    out.writeByte(name.charAt(i));
                }
            }
            ByteBufUtil.writeAscii(out, suffix);
            return;
        }
        writeQuotedName(out, name, end, suffix);
    }

    private static void writeQuotedName(ByteBuf out, String name, int end, String suffix) {
        out.writeByte('"');
        TextWriter.writeLabelValue(out, end == name.length() ? name : name.substring(0, end));
        ByteBufUtil.writeAscii(out, suffix);
        out.writeByte('"');
    }

    /**
     * {@code model.LegacyValidation.IsValidMetricName} ({@code [a-zA-Z_:][a-zA-Z0-9_:]*}), which expfmt applies to
     * metric and label names alike. Adding a sample suffix never changes the answer for a non-empty name.
     */
    static boolean isLegacyName(String name, int end) {
        if (end == 0) {
            return false;
        }
        for (int i = 0; i < end; i++) {
            final char c = name.charAt(i);
            final boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
            if (!letter && (i == 0 || c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    /** expfmt's {@code writeUint}: counts are uint64. */
    private static void writeUnsigned(ByteBuf out, long value) {
        if (value >= 0) {
            TextWriter.writeLong(out, value);
        } else {
            ByteBufUtil.writeAscii(out, Long.toUnsignedString(value));
        }
    }

    private static String wrongType(String name, String expected) {
        return "expected " + expected + " in metric " + name;
    }

    private static String floatHistogram(String name) {
        return FLOAT_HISTOGRAM + " " + name;
    }

    /** protobuf-go's {@code Timestamp.CheckValid} messages (its text form of the timestamp, minus the padding). */
    private static String invalidTimestamp(Timestamp timestamp) {
        final String text = "seconds:" + timestamp.getSeconds()
                + (timestamp.getNanos() == 0 ? "" : " nanos:" + timestamp.getNanos());
        if (timestamp.getSeconds() < MIN_TIMESTAMP_SECONDS) {
            return "proto: timestamp (" + text + ") before 0001-01-01";
        }
        if (timestamp.getSeconds() > MAX_TIMESTAMP_SECONDS) {
            return "proto: timestamp (" + text + ") after 9999-12-31";
        }
        return "proto: timestamp (" + text + ") has out-of-range nanos";
    }
}
