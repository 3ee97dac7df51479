package io.cairn.core.store;

import io.cairn.core.model.MetricType;
import io.cairn.core.render.ProtoWriter;
import io.cairn.core.render.TextWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The pre-serialized header of a metric family in both exposition formats, in one buffer: the text {@code # HELP}
 * and {@code # TYPE} lines, then the protobuf {@code name}, {@code help} and {@code type} fields of its {@code
 * MetricFamily} message. Owned by the store; released by the writer once no reader can see it.
 */
public final class FamilyHeader {
    private final ByteBuf bytes;
    private final int textLength;

    private FamilyHeader(ByteBuf bytes, int textLength) {
        this.bytes = bytes;
        this.textLength = textLength;
    }

    static FamilyHeader render(String name, String help, MetricType type, ByteBufAllocator alloc) {
        final byte[] proto = ProtoWriter.familyHeader(name, help, type);
        final ByteBuf bytes = alloc.directBuffer(64 + proto.length);
        TextWriter.writeHeader(bytes, name, help, type.textName());
        final int textLength = bytes.writerIndex();
        bytes.writeBytes(proto);
        return new FamilyHeader(bytes, textLength);
    }

    /** Both headers, text then protobuf, from index 0. Do not modify its indexes. */
    public ByteBuf bytes() {
        return bytes;
    }

    public int textLength() {
        return textLength;
    }

    public int protoLength() {
        return bytes.writerIndex() - textLength;
    }

    void release() {
        bytes.release();
    }
}
