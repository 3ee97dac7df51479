package io.cairn.core.render;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.cairn.core.model.MetricType;
import io.cairn.core.model.PushedMetric;
import io.cairn.core.proto.Metrics;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes the protobuf pieces of a delimited {@code MetricFamily} exposition with protobuf-java's
 * {@link CodedOutputStream}: a family's header fields (name, help, type) and its metrics, each as a {@code
 * metric} field (number 4) of the family message. Since repeated fields of a message may be split anywhere, a
 * family's message is its header followed by the metric fields of every group, concatenated as stored.
 *
 * <p>A metric decoded from protobuf is written from its {@link PushedMetric#source() message} with the sanitized
 * labels in place of the pushed ones, so native histograms, exemplars and created timestamps come back bit for
 * bit; a metric from a text push is written from its values, with the fields Go's text parser sets. Fields go in
 * field-number order, as Go's marshalling writes them.
 */
public final class ProtoWriter {
    static final int METRIC_FIELD = Metrics.MetricFamily.METRIC_FIELD_NUMBER;
    /** A double field with a one-byte tag: tag and 8 bytes. */
    private static final int DOUBLE_FIELD_SIZE = 9;

    private ProtoWriter() {
    }

    /** Bytes of the {@code name}, {@code help} and {@code type} fields of a family message. */
    public static byte[] familyHeader(String name, String help, MetricType type) {
        int size = CodedOutputStream.computeStringSize(Metrics.MetricFamily.NAME_FIELD_NUMBER, name)
                + CodedOutputStream.computeEnumSize(Metrics.MetricFamily.TYPE_FIELD_NUMBER, type.ordinal());
        if (help != null) {
            size += CodedOutputStream.computeStringSize(Metrics.MetricFamily.HELP_FIELD_NUMBER, help);
        }
        final byte[] bytes = new byte[size];
        final CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            out.writeString(Metrics.MetricFamily.NAME_FIELD_NUMBER, name);
            if (help != null) {
                out.writeString(Metrics.MetricFamily.HELP_FIELD_NUMBER, help);
            }
            out.writeEnum(Metrics.MetricFamily.TYPE_FIELD_NUMBER, type.ordinal());
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes;
    }

    /** What writes a run of protobuf fields whose size is known beforehand. */
    @FunctionalInterface
    public interface Fields {
        void write(CodedOutputStream out) throws IOException;
    }

    /**
     * Appends exactly {@code length} bytes of protobuf fields to {@code bytes}, written by {@code fields} straight
     * into its memory. A size computed wrongly is a bug: {@code bytes} is released and the error thrown.
     */
    public static void writeFields(ByteBuf bytes, int length, Fields fields) {
        final int start = bytes.writerIndex();
        final CodedOutputStream out = CodedOutputStream.newInstance(bytes.nioBuffer(start, length));
        try {
            fields.write(out);
            out.flush();
            out.checkNoSpaceLeft();
        } catch (IOException | IllegalStateException e) {
            bytes.release();
            throw new IllegalStateException("protobuf size computed wrongly", e);
        }
        bytes.writerIndex(start + length);
    }

    /** Bytes of the varint length prefix of a delimited message of {@code length} bytes. */
    public static int lengthPrefixSize(long length) {
        return CodedOutputStream.computeUInt64SizeNoTag(length);
    }

    /** Writes the varint length prefix of a delimited message of {@code length} bytes. */
    public static void writeLengthPrefix(ByteBuf out, long length) {
        long value = length;
        while ((value & ~0x7FL) != 0) {
            out.writeByte((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.writeByte((int) value);
    }

    /** Bytes of the {@code Metric} message (without its field tag and length) for these sorted labels. */
    public static int metricSize(MetricType type, String[] names, String[] values, PushedMetric metric) {
        int size = 0;
        for (int i = 0; i < names.length; i++) {
            size += messageFieldSize(Metrics.Metric.LABEL_FIELD_NUMBER, labelSize(names[i], values[i]));
        }
        final Metrics.Metric source = metric.source();
        if (source != null) {
            return size + sourceValueSize(source);
        }
        return size + messageFieldSize(valueField(type), valueSize(type, metric));
    }

    /** Writes one {@code metric} field of a family message: tag, length and the message of {@code size} bytes. */
    public static void writeMetricField(CodedOutputStream out, MetricType type, String[] names, String[] values,
                                 PushedMetric metric, int size) throws IOException {
        out.writeTag(METRIC_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(size);
        for (int i = 0; i < names.length; i++) {
            out.writeTag(Metrics.Metric.LABEL_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(labelSize(names[i], values[i]));
            out.writeString(Metrics.LabelPair.NAME_FIELD_NUMBER, names[i]);
            out.writeString(Metrics.LabelPair.VALUE_FIELD_NUMBER, values[i]);
        }
        final Metrics.Metric source = metric.source();
        if (source != null) {
            writeSourceValue(out, source);
            return;
        }
        out.writeTag(valueField(type), WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(valueSize(type, metric));
        writeValue(out, type, metric);
    }

    /** Size of a {@code metric} field (tag and length included) holding a message of {@code size} bytes. */
    public static int metricFieldSize(int size) {
        return messageFieldSize(METRIC_FIELD, size);
    }

    private static int messageFieldSize(int field, int size) {
        return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(size) + size;
    }

    private static int labelSize(String name, String value) {
        return CodedOutputStream.computeStringSize(Metrics.LabelPair.NAME_FIELD_NUMBER, name)
                + CodedOutputStream.computeStringSize(Metrics.LabelPair.VALUE_FIELD_NUMBER, value);
    }

    // ------------------------------------------------------------------ metrics decoded from protobuf

    private static int sourceValueSize(Metrics.Metric source) {
        int size = 0;
        if (source.hasGauge()) {
            size += CodedOutputStream.computeMessageSize(Metrics.Metric.GAUGE_FIELD_NUMBER, source.getGauge());
        }
        if (source.hasCounter()) {
            size += CodedOutputStream.computeMessageSize(Metrics.Metric.COUNTER_FIELD_NUMBER, source.getCounter());
        }
        if (source.hasSummary()) {
            size += CodedOutputStream.computeMessageSize(Metrics.Metric.SUMMARY_FIELD_NUMBER, source.getSummary());
        }
        if (source.hasUntyped()) {
            size += CodedOutputStream.computeMessageSize(Metrics.Metric.UNTYPED_FIELD_NUMBER, source.getUntyped());
        }
        if (source.hasTimestampMs()) {
            size += CodedOutputStream.computeInt64Size(Metrics.Metric.TIMESTAMP_MS_FIELD_NUMBER,
                    source.getTimestampMs());
        }
        if (source.hasHistogram()) {
            size += CodedOutputStream.computeMessageSize(Metrics.Metric.HISTOGRAM_FIELD_NUMBER,
                    source.getHistogram());
        }
        return size;
    }

    private static void writeSourceValue(CodedOutputStream out, Metrics.Metric source) throws IOException {
        if (source.hasGauge()) {
            out.writeMessage(Metrics.Metric.GAUGE_FIELD_NUMBER, source.getGauge());
        }
        if (source.hasCounter()) {
            out.writeMessage(Metrics.Metric.COUNTER_FIELD_NUMBER, source.getCounter());
        }
        if (source.hasSummary()) {
            out.writeMessage(Metrics.Metric.SUMMARY_FIELD_NUMBER, source.getSummary());
        }
        if (source.hasUntyped()) {
            out.writeMessage(Metrics.Metric.UNTYPED_FIELD_NUMBER, source.getUntyped());
        }
        if (source.hasTimestampMs()) {
            out.writeInt64(Metrics.Metric.TIMESTAMP_MS_FIELD_NUMBER, source.getTimestampMs());
        }
        if (source.hasHistogram()) {
            out.writeMessage(Metrics.Metric.HISTOGRAM_FIELD_NUMBER, source.getHistogram());
        }
    }

    // ------------------------------------------------------------------ metrics from text pushes

    private static int valueField(MetricType type) {
        switch (type) {
            case COUNTER:
                return Metrics.Metric.COUNTER_FIELD_NUMBER;
            case GAUGE:
                return Metrics.Metric.GAUGE_FIELD_NUMBER;
            case SUMMARY:
                return Metrics.Metric.SUMMARY_FIELD_NUMBER;
            case HISTOGRAM:
                return Metrics.Metric.HISTOGRAM_FIELD_NUMBER;
            default:
                return Metrics.Metric.UNTYPED_FIELD_NUMBER;
        }
    }

    private static int valueSize(MetricType type, PushedMetric metric) {
        switch (type) {
            case SUMMARY: {
                int size = CodedOutputStream.computeUInt64Size(Metrics.Summary.SAMPLE_COUNT_FIELD_NUMBER,
                        metric.sampleCount()) + DOUBLE_FIELD_SIZE;
                for (int q = 0; q < metric.quantileCount(); q++) {
                    size += messageFieldSize(Metrics.Summary.QUANTILE_FIELD_NUMBER, 2 * DOUBLE_FIELD_SIZE);
                }
                return size;
            }
            case HISTOGRAM: {
                int size = CodedOutputStream.computeUInt64Size(Metrics.Histogram.SAMPLE_COUNT_FIELD_NUMBER,
                        metric.sampleCount()) + DOUBLE_FIELD_SIZE;
                for (int b = 0; b < metric.bucketCount(); b++) {
                    size += messageFieldSize(Metrics.Histogram.BUCKET_FIELD_NUMBER, bucketSize(metric, b));
                }
                return size;
            }
            default:
                return DOUBLE_FIELD_SIZE;
        }
    }

    private static int bucketSize(PushedMetric metric, int bucket) {
        return CodedOutputStream.computeUInt64Size(Metrics.Bucket.CUMULATIVE_COUNT_FIELD_NUMBER,
                metric.cumulativeCount(bucket)) + DOUBLE_FIELD_SIZE;
    }

    private static void writeValue(CodedOutputStream out, MetricType type, PushedMetric metric) throws IOException {
        switch (type) {
            case SUMMARY:
                out.writeUInt64(Metrics.Summary.SAMPLE_COUNT_FIELD_NUMBER, metric.sampleCount());
                out.writeDouble(Metrics.Summary.SAMPLE_SUM_FIELD_NUMBER, metric.sampleSum());
                for (int q = 0; q < metric.quantileCount(); q++) {
                    out.writeTag(Metrics.Summary.QUANTILE_FIELD_NUMBER,
                            WireFormat.WIRETYPE_LENGTH_DELIMITED);
                    out.writeUInt32NoTag(2 * DOUBLE_FIELD_SIZE);
                    out.writeDouble(Metrics.Quantile.QUANTILE_FIELD_NUMBER, metric.quantile(q));
                    out.writeDouble(Metrics.Quantile.VALUE_FIELD_NUMBER, metric.quantileValue(q));
                }
                break;
            case HISTOGRAM:
                out.writeUInt64(Metrics.Histogram.SAMPLE_COUNT_FIELD_NUMBER, metric.sampleCount());
                out.writeDouble(Metrics.Histogram.SAMPLE_SUM_FIELD_NUMBER, metric.sampleSum());
                for (int b = 0; b < metric.bucketCount(); b++) {
                    out.writeTag(Metrics.Histogram.BUCKET_FIELD_NUMBER,
                            WireFormat.WIRETYPE_LENGTH_DELIMITED);
                    out.writeUInt32NoTag(bucketSize(metric, b));
                    out.writeUInt64(Metrics.Bucket.CUMULATIVE_COUNT_FIELD_NUMBER, metric.cumulativeCount(b));
                    out.writeDouble(Metrics.Bucket.UPPER_BOUND_FIELD_NUMBER, metric.upperBound(b));
                }
                break;
            default:
                out.writeDouble(1, metric.value()); // the value field of Counter, Gauge and Untyped
                break;
        }
    }
}
