package io.cairn.core.scrape;

import io.cairn.core.model.MalformedPushException;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushedFamily;
import io.cairn.core.model.PushedMetric;
import io.cairn.core.proto.Metrics;
import io.cairn.core.render.OpenMetricsWriter;
import io.cairn.core.render.ProtoWriter;
import io.cairn.core.render.TextWriter;
import io.cairn.core.store.FamilySnapshot;
import io.cairn.core.text.TextFormatParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Renders one of the gateway's own families for one scrape, in the scrape's format, merged with the pushed family
 * of the same name if there is one (under the gateway's header). Own families come as text lines; for protobuf they
 * are parsed back and written as {@code Metric} fields, and OpenMetrics is rendered from those.
 */
final class OwnRenderer {
    private OwnRenderer() {
    }

    /** The family's exposition; consumes {@code own}'s lines, the caller owns the result. */
    static ByteBuf render(ExpositionFormat format, OwnFamily own, FamilySnapshot pushed, ByteBufAllocator alloc) {
        try {
            switch (format) {
                case TEXT:
                    return text(own, pushed, alloc);
                case PROTOBUF:
                    return protobuf(own, pushed, alloc);
                default:
                    return openMetrics(own, pushed, alloc);
            }
        } finally {
            own.lines().release();
        }
    }

    private static ByteBuf openMetrics(OwnFamily own, FamilySnapshot pushed, ByteBufAllocator alloc) {
        final ByteBuf protobuf = protobuf(own, pushed, alloc);
        final Metrics.MetricFamily family;
        try {
            family = Metrics.MetricFamily.parseDelimitedFrom(new ByteBufInputStream(protobuf));
        } catch (IOException e) {
            throw new IllegalStateException("the gateway's own family " + own.name() + " does not parse", e);
        } finally {
            protobuf.release();
        }
        final ByteBuf out = alloc.directBuffer(256 + 2 * own.lines().readableBytes());
        final String error = OpenMetricsWriter.writeFamily(out, own.name(), own.help(), own.type(),
                family.getMetricList(), new StringBuilder(32));
        if (error != null) {
            out.release();
            throw new UnrepresentableFamilyException(own.name(), ExpositionFormat.OPENMETRICS, error);
        }
        return out;
    }

    private static ByteBuf text(OwnFamily own, FamilySnapshot pushed, ByteBufAllocator alloc) {
        final ByteBuf out = alloc.directBuffer(128 + own.lines().readableBytes());
        TextWriter.writeHeader(out, own.name(), own.help(), own.type().textName());
        out.writeBytes(own.lines(), own.lines().readerIndex(), own.lines().readableBytes());
        if (pushed != null) {
            pushed.chunks().forEach(chunk -> out.writeBytes(chunk.bytes(), 0, chunk.textLength()));
        }
        return out;
    }

    private static ByteBuf protobuf(OwnFamily own, FamilySnapshot pushed, ByteBufAllocator alloc) {
        final PushedFamily family = parse(own);
        final int n = family == null ? 0 : family.metricCount();
        final String[][] names = new String[n][];
        final String[][] values = new String[n][];
        final int[] sizes = new int[n];
        int ownLength = 0;
        for (int i = 0; i < n; i++) {
            final PushedMetric metric = family.metric(i);
            names[i] = new String[metric.labelCount()];
            values[i] = new String[metric.labelCount()];
            for (int l = 0; l < metric.labelCount(); l++) {
                names[i][l] = metric.labelName(l);
                values[i][l] = metric.labelValue(l);
            }
            sizes[i] = ProtoWriter.metricSize(own.type(), names[i], values[i], metric);
            ownLength += ProtoWriter.metricFieldSize(sizes[i]);
        }
        final byte[] header = ProtoWriter.familyHeader(own.name(), own.help(), own.type());
        final long length = header.length + ownLength + (pushed == null ? 0 : pushed.protoBytes());
        final int size = Math.toIntExact(ProtoWriter.lengthPrefixSize(length) + length);
        final ByteBuf out = alloc.directBuffer(size, size);
        ProtoWriter.writeLengthPrefix(out, length);
        out.writeBytes(header);
        ProtoWriter.writeFields(out, ownLength, coded -> {
            for (int i = 0; i < n; i++) {
                ProtoWriter.writeMetricField(coded, own.type(), names[i], values[i], family.metric(i), sizes[i]);
            }
        });
        if (pushed != null) {
            pushed.chunks().forEach(chunk -> out.writeBytes(chunk.bytes(), chunk.textLength(), chunk.protoLength()));
        }
        return out;
    }

    /** The own family's lines, parsed back; {@code null} if it has none. */
    private static PushedFamily parse(OwnFamily own) {
        final PushContent content = new PushContent();
        final TextFormatParser parser = new TextFormatParser();
        parser.reset(content);
        final ByteBuf typeLine = Unpooled.copiedBuffer("# TYPE " + own.name() + " " + own.type().textName() + "\n",
                StandardCharsets.UTF_8);
        try {
            parser.feed(typeLine);
            parser.feed(own.lines().duplicate());
            parser.finish();
        } catch (MalformedPushException e) {
            throw new IllegalStateException("the gateway's own family " + own.name() + " does not parse", e);
        } finally {
            typeLine.release();
        }
        return content.family(own.name());
    }
}
