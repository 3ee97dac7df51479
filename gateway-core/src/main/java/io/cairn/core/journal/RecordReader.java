package io.cairn.core.journal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Reads the records of a journal segment or snapshot back ({@link RecordFormat}), checking every checksum.
 *
 * <p>A write cut short by a crash can only damage the end of the file being appended to. When the caller allows
 * it, a last record that runs past the end of the file, or whose checksum fails and that ends exactly at the end of
 * the file, is such a <em>torn tail</em>: reading stops before it and reports where. Anything else that does not
 * check out is corruption: {@link CorruptStateException}, naming the file and the offset.
 */
public final class RecordReader {
    private static final int READ_CHUNK_BYTES = 1 << 20;

    /** Receives each record's payload (valid during the call only) and its offset in the file. */
    @FunctionalInterface
    public interface Visitor {
        void record(ByteBuf payload, long offset) throws CorruptStateException;
    }

    /** How a file was read: the length of its good part, and whether a torn tail follows it. */
    public static final class Result {
        private final long validLength;
        private final long fileLength;

        Result(long validLength, long fileLength) {
            this.validLength = validLength;
            this.fileLength = fileLength;
        }

        /** Bytes up to the end of the last good record (the header included). */
        public long validLength() {
            return validLength;
        }

        /** Bytes of a torn tail after the good part; 0 when the file ended cleanly. */
        public long tornBytes() {
            return fileLength - validLength;
        }
    }

    private RecordReader() {
    }

    /** Reads a journal segment; a torn tail is allowed (the caller cuts it off). */
    public static Result readJournal(Path file, Visitor visitor, String recovery)
            throws IOException, CorruptStateException {
        return read(file, RecordFormat.JOURNAL_MAGIC, "journal", true, visitor, recovery);
    }

    /** {@code true} when {@code file} starts like a Cairn snapshot (whatever follows). */
    public static boolean isSnapshot(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            final ByteBuffer magic = ByteBuffer.allocate(RecordFormat.MAGIC_LENGTH);
            while (magic.hasRemaining() && channel.read(magic) >= 0) {
                // read the first bytes
            }
            return !magic.hasRemaining() && Arrays.equals(magic.array(), RecordFormat.SNAPSHOT_MAGIC);
        }
    }

    /** Reads a snapshot; it was renamed into place whole, so any damage is corruption. */
    public static Result readSnapshot(Path file, Visitor visitor, String recovery)
            throws IOException, CorruptStateException {
        return read(file, RecordFormat.SNAPSHOT_MAGIC, "snapshot", false, visitor, recovery);
    }

    private static Result read(Path file, byte[] magic, String kind, boolean tornTailAllowed, Visitor visitor,
                               String recovery) throws IOException, CorruptStateException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            final long size = channel.size();
            final Buffered in = new Buffered(channel);
            if (size < RecordFormat.HEADER_BYTES) {
                if (tornTailAllowed) {
                    return new Result(0, size);
                }
                throw new CorruptStateException(file, 0, "the file is shorter than its header", recovery);
            }
            final byte[] header = in.read(0, RecordFormat.HEADER_BYTES);
            if (!Arrays.equals(header, RecordFormat.MAGIC_OFFSET, RecordFormat.MAGIC_LENGTH, magic, 0,
                    RecordFormat.MAGIC_LENGTH)) {
                throw new CorruptStateException(file, 0, "this is not a Cairn " + kind + " file (unknown header)",
                        recovery);
            }
            final int version = ByteBuffer.wrap(header, RecordFormat.VERSION_OFFSET, 4).order(ByteOrder.LITTLE_ENDIAN)
                    .getInt();
            if (version != RecordFormat.VERSION) {
                throw new CorruptStateException(file, RecordFormat.VERSION_OFFSET, "format version " + version
                        + " is not one this Cairn reads (" + RecordFormat.VERSION + ")", recovery);
            }
            final CRC32C crc = new CRC32C();
            long position = RecordFormat.HEADER_BYTES;
            while (position < size) {
                final long remaining = size - position;
                if (remaining < RecordFormat.RECORD_HEADER_BYTES) {
                    return torn(file, position, size, tornTailAllowed, "a record header is cut short", recovery);
                }
                final ByteBuffer recordHeader = ByteBuffer.wrap(in.read(position, RecordFormat.RECORD_HEADER_BYTES))
                        .order(ByteOrder.LITTLE_ENDIAN);
                final long length = Integer.toUnsignedLong(recordHeader.getInt(RecordFormat.LENGTH_OFFSET));
                final int checksum = recordHeader.getInt(RecordFormat.CHECKSUM_OFFSET);
                if (length > remaining - RecordFormat.RECORD_HEADER_BYTES) {
                    return torn(file, position, size, tornTailAllowed,
                            "a record of " + length + " bytes runs past the end of the file", recovery);
                }
                final long payloadStart = position + RecordFormat.RECORD_HEADER_BYTES;
                final byte[] payload = in.read(payloadStart, (int) length);
                crc.reset();
                crc.update(payload, 0, (int) length);
                if ((int) crc.getValue() != checksum) {
                    if (payloadStart + length == size) {
                        return torn(file, position, size, tornTailAllowed, "the last record fails its checksum",
                                recovery);
                    }
                    throw new CorruptStateException(file, position, "a record of " + length
                            + " bytes fails its checksum", recovery);
                }
                visitor.record(Unpooled.wrappedBuffer(payload, 0, (int) length), position);
                position = payloadStart + length;
            }
            return new Result(position, size);
        }
    }

    private static Result torn(Path file, long position, long size, boolean allowed, String problem,
                               String recovery) throws CorruptStateException {
        if (!allowed) {
            throw new CorruptStateException(file, position, problem, recovery);
        }
        return new Result(position, size);
    }

    /** Sequential reads through one growing buffer: few system calls, records of any size. */
    private static final class Buffered {
        private final FileChannel channel;
        private byte[] bytes = new byte[READ_CHUNK_BYTES];
        private long start;
        private int length;

        Buffered(FileChannel channel) {
            this.channel = channel;
        }

        /** A copy of the {@code n} bytes at {@code position}. */
        byte[] read(long position, int n) throws IOException {
            if (position < start || position + n > start + length) {
                fill(position, n);
            }
            final int from = (int) (position - start);
            return Arrays.copyOfRange(bytes, from, from + n);
        }

        private void fill(long position, int n) throws IOException {
            if (bytes.length < n) {
                bytes = new byte[Math.max(n, bytes.length * 2)];
            }
            start = position;
            length = 0;
            final ByteBuffer target = ByteBuffer.wrap(bytes);
            while (target.hasRemaining()) {
                final int read = channel.read(target, position + target.position());
                if (read < 0) {
                    break; // end of file
                }
                length += read;
            }
            if (length < n) {
                throw new IOException("file shorter than expected at offset " + position);
            }
        }
    }
}
