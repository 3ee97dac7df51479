package io.cairn.core.store;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.MetricType;
import io.cairn.core.render.EncodedFamily;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the journal's records and the snapshot's sections hold (their framing and checksums are {@code
 * io.cairn.core.journal}'s). All integers little-endian; a string is its UTF-8 length ({@code u32}, {@code -1} for
 * none) and bytes.
 *
 * <pre>
 *   journal record:   u64 sequence | u8 kind | i64 timeNs | kind-specific
 *     PUSH   (1):     key | u8 replace | string? rejection | u16 n | family × n
 *     DELETE (2):     key
 *     WIPE   (3):     (nothing more)
 *   snapshot section: u8 kind | kind-specific
 *     HEAD  (10):     u64 sequence (the last command the snapshot includes) | u64 groups
 *     GROUP (11):     key | f64 push time s | f64 failure time s | u16 n | family × n (timestamp families too)
 *     END   (12):     u64 groups
 *   key:              u16 n | (string name, string value) × n
 *   family:           string name | u8 type | string? help | i64 push time ns | u32 text length | u32 n | n bytes
 *                     | u32 series | u64 hash × series | u32 offset × series
 * </pre>
 * A family's bytes are stored as they are: replay never parses or encodes a sample.
 */
final class StoreCodec {
    static final int PUSH = 1;
    static final int DELETE = 2;
    static final int WIPE = 3;
    static final int HEAD = 10;
    static final int GROUP = 11;
    static final int END = 12;

    private static final MetricType[] TYPES = MetricType.values();

    private StoreCodec() {
    }

    /** A record or section whose content does not decode (its checksum was right: a bug or a foreign file). */
    static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message, null, false, false);
        }
    }

    // ------------------------------------------------------------------ journal records

    static void writeCommand(ByteBuf out, long sequence, StoreCommand command) {
        out.writeLongLE(sequence);
        if (command instanceof StoreCommand.Push) {
            final StoreCommand.Push push = (StoreCommand.Push) command;
            out.writeByte(PUSH).writeLongLE(push.timeNs);
            writeKey(out, push.key);
            out.writeByte(push.replace ? 1 : 0);
            writeString(out, push.rejection);
            out.writeShortLE(push.families.length);
            for (EncodedFamily family : push.families) {
                writeFamily(out, family);
            }
        } else if (command instanceof StoreCommand.Delete) {
            out.writeByte(DELETE).writeLongLE(command.timeNs);
            writeKey(out, ((StoreCommand.Delete) command).key);
        } else if (command instanceof StoreCommand.Wipe) {
            out.writeByte(WIPE).writeLongLE(command.timeNs);
        } else {
            throw new IllegalArgumentException("not journaled: " + command.getClass().getSimpleName());
        }
    }

    /** The command of a record whose sequence number was read already; its families come from {@code alloc}. */
    static StoreCommand readCommand(ByteBuf in, ByteBufAllocator alloc) throws MalformedException {
        try {
            final int kind = in.readUnsignedByte();
            final long timeNs = in.readLongLE();
            switch (kind) {
                case PUSH: {
                    final GroupingKey key = readKey(in);
                    final boolean replace = in.readByte() != 0;
                    final String rejection = readString(in);
                    final EncodedFamily[] families = readFamilies(in, alloc);
                    return new StoreCommand.Push(key, replace, families, rejection, timeNs, null);
                }
                case DELETE:
                    return new StoreCommand.Delete(readKey(in), timeNs, null);
                case WIPE:
                    return new StoreCommand.Wipe(timeNs, null);
                default:
                    throw new MalformedException("unknown record kind " + kind);
            }
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new MalformedException("record content cut short or invalid: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ snapshot sections

    static void writeHead(ByteBuf out, long sequence, long groups) {
        out.writeByte(HEAD).writeLongLE(sequence).writeLongLE(groups);
    }

    static void writeGroup(ByteBuf out, GroupSnapshot group) {
        out.writeByte(GROUP);
        writeKey(out, group.key());
        out.writeDoubleLE(group.pushTimeSeconds()).writeDoubleLE(group.failureTimeSeconds());
        out.writeShortLE(group.familyCount());
        for (int f = 0; f < group.familyCount(); f++) {
            writeFamily(out, group.family(f));
        }
    }

    static void writeEnd(ByteBuf out, long groups) {
        out.writeByte(END).writeLongLE(groups);
    }

    /** A group section as the command that restores it (its kind byte read already). */
    static StoreCommand.Restore readGroup(ByteBuf in, ByteBufAllocator alloc) throws MalformedException {
        try {
            final GroupingKey key = readKey(in);
            final double pushTimeSeconds = in.readDoubleLE();
            final double failureTimeSeconds = in.readDoubleLE();
            return new StoreCommand.Restore(key, readFamilies(in, alloc), pushTimeSeconds, failureTimeSeconds);
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new MalformedException("group section cut short or invalid: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ parts

    private static void writeKey(ByteBuf out, GroupingKey key) {
        out.writeShortLE(key.size());
        for (int i = 0; i < key.size(); i++) {
            writeString(out, key.name(i));
            writeString(out, key.value(i));
        }
    }

    private static GroupingKey readKey(ByteBuf in) throws MalformedException {
        final int n = in.readUnsignedShortLE();
        final String[] namesAndValues = new String[2 * n];
        for (int i = 0; i < namesAndValues.length; i++) {
            namesAndValues[i] = readString(in);
            if (namesAndValues[i] == null) {
                throw new MalformedException("grouping key with a missing label");
            }
        }
        return GroupingKey.of(namesAndValues);
    }

    private static void writeFamily(ByteBuf out, EncodedFamily family) {
        writeString(out, family.name());
        out.writeByte(family.type().ordinal());
        writeString(out, family.help());
        out.writeLongLE(family.pushTimeNs());
        final ByteBuf bytes = family.bytes();
        out.writeIntLE(family.textLength()).writeIntLE(bytes.readableBytes());
        out.writeBytes(bytes, bytes.readerIndex(), bytes.readableBytes());
        out.writeIntLE(family.seriesCount());
        for (int i = 0; i < family.seriesCount(); i++) {
            out.writeLongLE(family.seriesHash(i));
        }
        for (int i = 0; i < family.seriesCount(); i++) {
            out.writeIntLE(family.seriesOffset(i));
        }
    }

    private static EncodedFamily[] readFamilies(ByteBuf in, ByteBufAllocator alloc) throws MalformedException {
        final int n = in.readUnsignedShortLE();
        final List<EncodedFamily> families = new ArrayList<>(n);
        try {
            for (int f = 0; f < n; f++) {
                families.add(readFamily(in, alloc));
            }
        } catch (MalformedException | RuntimeException e) {
            for (EncodedFamily family : families) {
                family.release();
            }
            throw e;
        }
        return families.toArray(new EncodedFamily[0]);
    }

    private static EncodedFamily readFamily(ByteBuf in, ByteBufAllocator alloc) throws MalformedException {
        final String name = readString(in);
        final int type = in.readUnsignedByte();
        if (name == null || type >= TYPES.length) {
            throw new MalformedException("family without a name or of unknown type " + type);
        }
        final String help = readString(in);
        final long pushTimeNs = in.readLongLE();
        final int textLength = in.readIntLE();
        final int length = in.readIntLE();
        if (textLength < 0 || length < textLength || length > in.readableBytes()) {
            throw new MalformedException("family " + name + " with lengths " + textLength + "/" + length);
        }
        final int bytesAt = in.readerIndex();
        in.skipBytes(length);
        final int series = in.readIntLE();
        if (series < 0 || (long) series * 12 > in.readableBytes()) {
            throw new MalformedException("family " + name + " with " + series + " series");
        }
        final long[] hashes = new long[series];
        final int[] offsets = new int[series];
        for (int i = 0; i < series; i++) {
            hashes[i] = in.readLongLE();
        }
        for (int i = 0; i < series; i++) {
            offsets[i] = in.readIntLE();
        }
        final ByteBuf bytes = alloc.directBuffer(length, length).writeBytes(in, bytesAt, length);
        final EncodedFamily family = new EncodedFamily(name, TYPES[type], help, bytes, textLength, hashes, offsets);
        family.pushTimeNs(pushTimeNs);
        return family;
    }

    private static void writeString(ByteBuf out, String s) {
        if (s == null) {
            out.writeIntLE(-1);
            return;
        }
        final int lengthAt = out.writerIndex();
        out.writeIntLE(0);
        final int n = ByteBufUtil.writeUtf8(out, s);
        out.setIntLE(lengthAt, n);
    }

    private static String readString(ByteBuf in) throws MalformedException {
        final int n = in.readIntLE();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > in.readableBytes()) {
            throw new MalformedException("string of " + n + " bytes");
        }
        final String s = in.toString(in.readerIndex(), n, StandardCharsets.UTF_8);
        in.skipBytes(n);
        return s;
    }
}
