package io.cairn.core.proto;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.core.model.GoStrings;
import io.cairn.core.model.MalformedPushException;
import io.cairn.core.model.MetricType;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushDecoder;
import io.cairn.core.model.PushedFamily;
import io.cairn.core.model.PushedMetric;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Streaming decoder of protobuf pushes ({@code Content-Type: application/vnd.google.protobuf;
 * proto=io.prometheus.client.MetricFamily; encoding=delimited}): the loop of the Go Pushgateway 1.5.1
 * ({@code handler/push.go}) that reads {@code MetricFamily} messages with {@code pbutil.ReadDelimited} into a map by
 * name, fed chunk by chunk.
 *
 * <pre>
 *   body:  +-----------------+----------------------+-----------------+----------------------+--
 *          | length (varint) | MetricFamily message | length (varint) | MetricFamily message | ...
 *          +-----------------+----------------------+-----------------+----------------------+--
 *            1..5 bytes        length bytes
 * </pre>
 *
 * <h2>Contract</h2>
 * <pre>
 *   decoder.reset(content);           // content.reset() is the caller's job
 *   decoder.feed(chunk) ...           // any number of chunks, each consumed whole, never retained or released
 *   decoder.finish();                 // end of body: content now holds the push
 * </pre>
 * Each message is parsed by protobuf-java as soon as its last byte arrives. A message that lies wholly inside one
 * chunk is parsed in place, through the chunk's NIO view (heap or direct). Only the bytes of a message that spans
 * chunks are copied, into a scratch array that grows with the bytes received, never with the length a prefix
 * announces. Messages longer than the limit given to the constructor ({@value #DEFAULT_MAX_MESSAGE_BYTES} bytes by
 * default) are rejected as soon as their prefix is read. A scratch array grown beyond
 * {@value #RETAINED_SCRATCH_BYTES} bytes is dropped at the end of the body. One instance per event loop or
 * connection; not thread-safe.
 *
 * <p>After a {@link MalformedPushException} the push is rejected and {@code content} holds garbage: later
 * {@link #feed} calls consume their input and do nothing, {@link #finish()} throws the same exception again,
 * {@link #reset} starts over.
 *
 * <h2>What ends up in the {@link PushContent}</h2>
 * <ul>
 * <li>One family per message, named by its {@code name} ({@code ""} when absent). A later message of the same name
 * replaces the earlier one entirely (HELP, type, metrics), as Go's map does; the family keeps the position it first
 * had, which does not matter: groups order their families by name. An empty message is a family {@code ""} without
 * metrics, which Go stores too.</li>
 * <li>HELP only when the message has the field: Go shows an explicitly empty HELP as {@code # HELP x }.</li>
 * <li>The type, {@code COUNTER} when absent (the proto2 default). Per metric: its labels in the order given, the
 * value of the field that matches the family type (the {@code counter}, {@code gauge} or {@code untyped} value; the
 * summary's count, sum and quantiles; the histogram's count, sum and classic buckets), the timestamp when present,
 * and the message itself as {@link PushedMetric#source()}. A metric without the matching field keeps zeros: the
 * Pushgateway rejects it later, in its consistency check ({@code is not a GAUGE}). Float histogram counts are not
 * read: Go's text format 0.0.4 shows {@code sample_count} and {@code cumulative_count} only.</li>
 * </ul>
 *
 * <h2>Errors</h2>
 * The texts are Go's, checked against the 1.5.1 binary, which links golang/protobuf 1.3 and client_model 0.3:
 * {@code unexpected EOF} for a body that ends inside a message, {@code invalid varint32 encountered} for a length
 * prefix of more than 5 bytes, and, for a message protobuf-java cannot parse, the error Go's unmarshaller gives for
 * the same bytes ({@code unexpected EOF}, {@code proto: can't skip unknown wire type 7},
 * {@code proto: io_prometheus_client.Metric: illegal tag 0 (wire type 2)}, ...), found by walking the bytes as Go
 * does ({@code GoUnmarshal}, cold path). Where Go would accept what protobuf-java rejects, the text is
 * {@value #INVALID_WIRE_FORMAT}. A message longer than the limit: {@code protobuf message of N bytes exceeds the
 * limit of M bytes}. A type Go cannot expose: {@code metric family "x" has type GAUGE_HISTOGRAM, which text format
 * 0.0.4 cannot expose}.
 *
 * <h2>Deliberate differences</h2>
 * <ul>
 * <li>A body that ends inside a length prefix, or right after one, is rejected with {@code unexpected EOF}: Go's
 * {@code ReadDelimited} returns {@code io.EOF} there, which the Pushgateway takes for the end of the body.</li>
 * <li>A message longer than the limit is rejected; Go allocates whatever a prefix announces, and a 5-byte prefix
 * announcing 32 GiB crashes it ({@code fatal error: runtime: out of memory}).</li>
 * <li>Type {@code GAUGE_HISTOGRAM}, and type numbers unknown to {@code metrics.proto}, are rejected. Go stores such a
 * family, and from then on every text scrape stops at it (status 200, the body cut short, {@code unknown metric
 * type} logged). Rejected here even where Go does no harm: when the family has no metrics (scrapes leave empty
 * families out), or when a later family of the same name replaces it.</li>
 * <li>protobuf-java and golang/protobuf 1.3 disagree on some malformed bytes. Rejected here, accepted by Go (and
 * answered {@value #INVALID_WIRE_FORMAT}): an end-group tag that does not match its start-group tag, unknown groups
 * nested more than 100 deep, tag 0 inside a group, field numbers of 2^29 and more (protobuf-java reads tags modulo
 * 2^32), and malformed data inside fields that client_model 0.3 does not know ({@code created_timestamp},
 * {@code Histogram.exemplars}, {@code MetricFamily.unit}). Accepted here, rejected by Go with
 * {@code unexpected EOF}: a 10-byte varint whose last byte is above 1.</li>
 * <li>Names and HELP texts that are not valid UTF-8 become Java strings with U+FFFD where Go keeps the bytes. Label
 * bytes stay available, unchanged, in {@link PushedMetric#source()} for the consistency check.</li>
 * </ul>
 */
public final class DelimitedDecoder implements PushDecoder {
    /** The default limit of one {@code MetricFamily} message: 64 MiB. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 << 20;
    /** A scratch array larger than this is not kept from one body to the next. */
    private static final int RETAINED_SCRATCH_BYTES = 64 << 10;

    static final String UNEXPECTED_EOF = "unexpected EOF";
    /** {@code errInvalidVarint} of matttproud/golang_protobuf_extensions {@code pbutil/decode.go}. */
    static final String INVALID_VARINT32 = "invalid varint32 encountered";
    /** For bytes protobuf-java rejects and Go would accept (protobuf-go's text for malformed data). */
    static final String INVALID_WIRE_FORMAT = "proto: cannot parse invalid wire-format data";

    /** {@code binary.MaxVarintLen32}: {@code ReadDelimited} gives up after this many prefix bytes. */
    private static final int MAX_PREFIX_BYTES = 5;
    private static final int INITIAL_SCRATCH_BYTES = 4096;
    /** {@link #messageBytes} while a length prefix is being read. */
    private static final int READING_PREFIX = -1;
    private static final ByteBuffer EMPTY_MESSAGE = ByteBuffer.allocate(0);
    /** Indexed by the number of {@code io.prometheus.client.MetricType}: the ordinals are the same. */
    private static final MetricType[] TYPES = MetricType.values();

    private final int maxMessageBytes;

    private PushContent target;
    private MalformedPushException failure;
    private long prefixValue;
    private int prefixBytes;
    /** The length of the message being read, or {@link #READING_PREFIX}. */
    private int messageBytes = READING_PREFIX;
    /** The bytes received so far of a message that spans chunks. */
    private byte[] scratch = new byte[INITIAL_SCRATCH_BYTES];
    private int scratchLength;

    /** A decoder with the default limit, {@value #DEFAULT_MAX_MESSAGE_BYTES} bytes per message. */
    public DelimitedDecoder() {
        this(DEFAULT_MAX_MESSAGE_BYTES);
    }

    /**
     * @param maxMessageBytes the longest {@code MetricFamily} message accepted, in bytes
     */
    public DelimitedDecoder(int maxMessageBytes) {
        if (maxMessageBytes < 0) {
            throw new IllegalArgumentException("maxMessageBytes: " + maxMessageBytes);
        }
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Starts a new body that fills {@code target}; the caller has reset {@code target}. */
    @Override
    public void reset(PushContent target) {
        this.target = target;
        failure = null;
        prefixValue = 0;
        prefixBytes = 0;
        messageBytes = READING_PREFIX;
        scratchLength = 0;
        dropLargeScratch();
    }

    /**
     * Decodes the readable bytes of {@code chunk} and advances its reader index to its writer index. The chunk is
     * neither retained nor released.
     */
    @Override
    public void feed(ByteBuf chunk) throws MalformedPushException {
        final int to = chunk.writerIndex();
        int from = chunk.readerIndex();
        chunk.readerIndex(to);
        if (failure != null) {
            return;
        }
        try {
            while (from < to) {
                from = messageBytes == READING_PREFIX ? readPrefix(chunk, from, to) : readMessage(chunk, from, to);
            }
        } catch (MalformedPushException e) {
            failure = e;
            throw e;
        }
    }

    /** Ends the body, which must not end inside a length prefix or a message. */
    @Override
    public void finish() throws MalformedPushException {
        dropLargeScratch();
        if (failure == null && (prefixBytes > 0 || messageBytes != READING_PREFIX)) {
            // Go's ReadDelimited returns io.EOF inside a prefix and right after one, and the Pushgateway takes that
            // for the end of the body: a truncated body would be stored as if complete
            failure = unexpectedEof();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Reads length prefix bytes as {@code ReadDelimited} does, one at a time; returns the index after them. */
    private int readPrefix(ByteBuf chunk, int from, int to) throws MalformedPushException {
        int i = from;
        while (i < to) {
            final byte b = chunk.getByte(i++);
            prefixValue |= (long) (b & 0x7F) << (7 * prefixBytes++);
            if (b >= 0) { // no continuation bit: the prefix is complete
                startMessage();
                return i;
            }
            if (prefixBytes == MAX_PREFIX_BYTES) {
                throw invalidVarint32();
            }
        }
        return i;
    }

    private void startMessage() throws MalformedPushException {
        final long length = prefixValue;
        prefixValue = 0;
        prefixBytes = 0;
        if (length > maxMessageBytes) {
            throw tooLong(length, maxMessageBytes);
        }
        if (length == 0) {
            decode(EMPTY_MESSAGE);
        } else {
            messageBytes = (int) length;
        }
    }

    /** Reads message bytes; returns the index after them. */
    private int readMessage(ByteBuf chunk, int from, int to) throws MalformedPushException {
        if (scratchLength == 0 && to - from >= messageBytes) {
            // fast path: the whole message is in this chunk, parsed where it lies
            final int end = from + messageBytes;
            decode(chunk.nioBuffer(from, messageBytes));
            messageBytes = READING_PREFIX;
            return end;
        }
        final int length = Math.min(to - from, messageBytes - scratchLength);
        appendScratch(chunk, from, length);
        if (scratchLength == messageBytes) {
            decode(ByteBuffer.wrap(scratch, 0, scratchLength));
            scratchLength = 0;
            messageBytes = READING_PREFIX;
        }
        return from + length;
    }

    /** Grows the scratch array with the bytes received, at most to the length of the message. */
    private void appendScratch(ByteBuf chunk, int from, int length) {
        final int needed = scratchLength + length;
        if (needed > scratch.length) {
            final byte[] grown = new byte[Math.min(messageBytes, Math.max(needed, scratch.length * 2))];
            System.arraycopy(scratch, 0, grown, 0, scratchLength);
            scratch = grown;
        }
        chunk.getBytes(from, scratch, scratchLength, length);
        scratchLength = needed;
    }

    private void dropLargeScratch() {
        if (scratch.length > RETAINED_SCRATCH_BYTES) {
            scratch = new byte[INITIAL_SCRATCH_BYTES];
        }
    }

    /** Parses one complete message (its bytes are not kept: protobuf-java copies strings) and adds its family. */
    private void decode(ByteBuffer message) throws MalformedPushException {
        final int start = message.position();
        final int end = message.limit();
        final Metrics.MetricFamily family;
        try {
            family = Metrics.MetricFamily.parseFrom(message);
        } catch (InvalidProtocolBufferException e) {
            throw unmarshalError(message, start, end);
        }
        addFamily(family);
    }

    private void addFamily(Metrics.MetricFamily message) throws MalformedPushException {
        final MetricType type = typeOf(message);
        final String name = message.getName();
        PushedFamily family = target.family(name);
        if (family == null) {
            family = target.addFamily(name);
        } else {
            family.clearMetrics(); // Go: metricFamilies[mf.GetName()] = mf
        }
        family.help(message.hasHelp() ? message.getHelp() : null);
        family.type(type);
        for (int i = 0; i < message.getMetricCount(); i++) {
            addMetric(family.addMetric(), type, message.getMetric(i));
        }
    }

    /** The type of a family, unless it is one that Go accepts but cannot show in text format 0.0.4. */
    private static MetricType typeOf(Metrics.MetricFamily message) throws MalformedPushException {
        if (!message.hasType()) {
            // a number metrics.proto does not define is kept by protobuf-java as an unknown field (closed enum)
            final List<Long> unknown = message.getUnknownFields()
                .getField(Metrics.MetricFamily.TYPE_FIELD_NUMBER).getVarintList();
            if (!unknown.isEmpty()) {
                // the last one counts, read as Go reads an enum: an int32
                throw unexposableType(message.getName(), Integer.toString(unknown.get(unknown.size() - 1).intValue()));
            }
        }
        final Metrics.MetricType type = message.getType();
        if (type.getNumber() >= TYPES.length) {
            throw unexposableType(message.getName(), type.name());
        }
        return TYPES[type.getNumber()];
    }

    private static void addMetric(PushedMetric metric, MetricType type, Metrics.Metric message) {
        for (int i = 0; i < message.getLabelCount(); i++) {
            final Metrics.LabelPair label = message.getLabel(i);
            metric.addLabel(label.getName(), label.getValue());
        }
        switch (type) {
            case COUNTER:
                metric.value(message.getCounter().getValue());
                break;
            case GAUGE:
                metric.value(message.getGauge().getValue());
                break;
            case UNTYPED:
                metric.value(message.getUntyped().getValue());
                break;
            case SUMMARY:
                addSummary(metric, message.getSummary());
                break;
            case HISTOGRAM:
                addHistogram(metric, message.getHistogram());
                break;
            default:
                throw new AssertionError(type);
        }
        if (message.hasTimestampMs()) {
            metric.timestampMs(message.getTimestampMs());
        }
        metric.source(message);
    }

    private static void addSummary(PushedMetric metric, Metrics.Summary summary) {
        metric.sampleCount(summary.getSampleCount());
        metric.sampleSum(summary.getSampleSum());
        for (int i = 0; i < summary.getQuantileCount(); i++) {
            final Metrics.Quantile quantile = summary.getQuantile(i);
            metric.addQuantile(quantile.getQuantile(), quantile.getValue());
        }
    }

    private static void addHistogram(PushedMetric metric, Metrics.Histogram histogram) {
        metric.sampleCount(histogram.getSampleCount());
        metric.sampleSum(histogram.getSampleSum());
        for (int i = 0; i < histogram.getBucketCount(); i++) {
            final Metrics.Bucket bucket = histogram.getBucket(i);
            metric.addBucket(bucket.getUpperBound(), bucket.getCumulativeCount());
        }
    }

    private static MalformedPushException unexpectedEof() {
        return new MalformedPushException(UNEXPECTED_EOF);
    }

    private static MalformedPushException invalidVarint32() {
        return new MalformedPushException(INVALID_VARINT32);
    }

    private static MalformedPushException tooLong(long length, int maxMessageBytes) {
        return new MalformedPushException("protobuf message of " + length + " bytes exceeds the limit of "
            + maxMessageBytes + " bytes");
    }

    private static MalformedPushException unexposableType(String family, String type) {
        return new MalformedPushException("metric family " + GoStrings.quote(family) + " has type " + type
            + ", which text format 0.0.4 cannot expose");
    }

    private static MalformedPushException unmarshalError(ByteBuffer message, int start, int end) {
        final String goError = new GoUnmarshal(message, start).message(GoUnmarshal.METRIC_FAMILY, end);
        return new MalformedPushException(goError != null ? goError : INVALID_WIRE_FORMAT);
    }

    /**
     * The error the Go Pushgateway 1.5.1 gives for a message that protobuf-java rejected: a walk over the message
     * as golang/protobuf 1.3 unmarshals it ({@code proto/table_unmarshal.go}), for the client_model 0.3 schema
     * compiled into that binary. Cold path only: it decodes nothing, it finds the first error in byte order.
     *
     * <p>Go descends into the fields of a message type that it knows (when their wire type is 2) and into packed
     * repeated fields; it skips every other field by its wire type, without looking inside: fields it does not
     * know, fields with the wrong wire type, groups.
     */
    private static final class GoUnmarshal {
        static final int METRIC_FAMILY = 0;
        private static final int METRIC = 1;
        private static final int LABEL_PAIR = 2;
        private static final int GAUGE = 3;
        private static final int COUNTER = 4;
        private static final int QUANTILE = 5;
        private static final int SUMMARY = 6;
        private static final int UNTYPED = 7;
        private static final int HISTOGRAM = 8;
        private static final int BUCKET = 9;
        private static final int BUCKET_SPAN = 10;
        private static final int EXEMPLAR = 11;
        private static final int TIMESTAMP = 12;
        /** Go type names, as {@code illegal tag} errors print them. */
        private static final String[] GO_NAMES = {
            "io_prometheus_client.MetricFamily", "io_prometheus_client.Metric", "io_prometheus_client.LabelPair",
            "io_prometheus_client.Gauge", "io_prometheus_client.Counter", "io_prometheus_client.Quantile",
            "io_prometheus_client.Summary", "io_prometheus_client.Untyped", "io_prometheus_client.Histogram",
            "io_prometheus_client.Bucket", "io_prometheus_client.BucketSpan", "io_prometheus_client.Exemplar",
            "timestamp.Timestamp",
        };

        // what a length-delimited field is, in FIELDS
        private static final int SKIPPED = -1;
        private static final int PACKED_VARINTS = -2;
        private static final int PACKED_FIXED64 = -3;
        private static final int S = SKIPPED;

        /** Per message type, by field number: the message type of the field, or how Go reads it. */
        private static final int[][] FIELDS = {
            /* MetricFamily */ {S, S, S, S, METRIC},
            /* Metric */ {S, LABEL_PAIR, GAUGE, COUNTER, SUMMARY, UNTYPED, S, HISTOGRAM},
            /* LabelPair */ {},
            /* Gauge */ {},
            /* Counter */ {S, S, EXEMPLAR},
            /* Quantile */ {},
            /* Summary */ {S, S, S, QUANTILE},
            /* Untyped */ {},
            /* Histogram */ {S, S, S, BUCKET, S, S, S, S, S, BUCKET_SPAN, PACKED_VARINTS, PACKED_FIXED64, BUCKET_SPAN,
                PACKED_VARINTS, PACKED_FIXED64},
            /* Bucket */ {S, S, S, EXEMPLAR},
            /* BucketSpan */ {},
            /* Exemplar */ {S, LABEL_PAIR, S, TIMESTAMP},
            /* Timestamp */ {},
        };

        private static final int WIRE_VARINT = 0;
        private static final int WIRE_FIXED64 = 1;
        private static final int WIRE_BYTES = 2;
        private static final int WIRE_START_GROUP = 3;
        private static final int WIRE_END_GROUP = 4;
        private static final int WIRE_FIXED32 = 5;

        private final ByteBuffer bytes;
        private int pos;
        private long lastVarint;

        GoUnmarshal(ByteBuffer bytes, int start) {
            this.bytes = bytes;
            this.pos = start;
        }

        /** The error in the message of {@code type} that ends at {@code end}, or {@code null}. */
        String message(int type, int end) {
            while (pos < end) {
                if (!varint(end)) {
                    return UNEXPECTED_EOF;
                }
                final long field = lastVarint >>> 3;
                final int wire = (int) lastVarint & 7;
                if (field == 0) {
                    return "proto: " + GO_NAMES[type] + ": illegal tag 0 (wire type " + wire + ")";
                }
                final int[] fields = FIELDS[type];
                final int kind = wire == WIRE_BYTES && field < fields.length ? fields[(int) field] : SKIPPED;
                final String error = kind == SKIPPED ? skip(wire, end) : embedded(kind, end);
                if (error != null) {
                    return error;
                }
            }
            return null;
        }

        /** A length-delimited field that Go reads: a message or a packed repeated field. */
        private String embedded(int kind, int end) {
            final int to = delimitedEnd(end);
            if (to < 0) {
                return UNEXPECTED_EOF;
            }
            final String error;
            if (kind == PACKED_VARINTS) {
                error = varints(to);
            } else if (kind == PACKED_FIXED64) {
                error = (to - pos) % 8 == 0 ? null : UNEXPECTED_EOF;
            } else {
                error = message(kind, to);
            }
            pos = to;
            return error;
        }

        private String varints(int to) {
            while (pos < to) {
                if (!varint(to)) {
                    return UNEXPECTED_EOF;
                }
            }
            return null;
        }

        /** {@code skipField}. */
        private String skip(int wire, int end) {
            switch (wire) {
                case WIRE_VARINT:
                    return varint(end) ? null : UNEXPECTED_EOF;
                case WIRE_FIXED64:
                    return advance(8, end);
                case WIRE_BYTES:
                    return skipTo(delimitedEnd(end));
                case WIRE_START_GROUP:
                    return endGroup(end) ? null : UNEXPECTED_EOF;
                case WIRE_FIXED32:
                    return advance(4, end);
                default:
                    return "proto: can't skip unknown wire type " + wire;
            }
        }

        private String advance(int length, int end) {
            return skipTo(end - pos < length ? -1 : pos + length);
        }

        /** Moves to {@code to}; -1 is an {@code unexpected EOF}. */
        private String skipTo(int to) {
            if (to < 0) {
                return UNEXPECTED_EOF;
            }
            pos = to;
            return null;
        }

        /** Reads a length: the index after the bytes it counts, or -1 when they go past {@code end}. */
        private int delimitedEnd(int end) {
            if (!varint(end) || Long.compareUnsigned(lastVarint, end - pos) > 0) {
                return -1;
            }
            return pos + (int) lastVarint;
        }

        /** {@code findEndGroup}: the end-group tag at the depth of the group, whatever its field number. */
        private boolean endGroup(int end) {
            int depth = 1;
            while (varint(end)) {
                final int wire = (int) lastVarint & 7;
                if (wire == WIRE_START_GROUP) {
                    depth++;
                } else if (wire == WIRE_END_GROUP) {
                    if (--depth == 0) {
                        return true;
                    }
                } else if (wire > WIRE_FIXED32 || skip(wire, end) != null) {
                    return false;
                }
            }
            return false;
        }

        /** {@code decodeVarint}: at most 10 bytes, the last of them 0 or 1; sets {@link #lastVarint}. */
        private boolean varint(int end) {
            long value = 0;
            for (int shift = 0, i = pos; shift < 64 && i < end; shift += 7, i++) {
                final int b = bytes.get(i) & 0xFF;
                if (shift == 63 && b > 1) {
                    return false;
                }
                value |= (long) (b & 0x7F) << shift;
                if (b < 0x80) {
                    lastVarint = value;
                    pos = i + 1;
                    return true;
                }
            }
            return false;
        }
    }
}
