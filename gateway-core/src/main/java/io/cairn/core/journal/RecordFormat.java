package io.cairn.core.journal;

import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The layout shared by journal segments and snapshots: a header naming the kind of file, then records, each
 * checksummed on its own.
 *
 * <pre>
 *   file:    +--------------------+---------+----------+--------+--------+--
 *            | magic (8 bytes)    | version | reserved | record | record | ...
 *            +--------------------+---------+----------+--------+--------+--
 *              "CAIRNJNL" / "CAIRNSNP"  u32 LE   u32
 *
 *   record:  +-----------+-------------+-------------------+
 *            | length    | CRC-32C     | payload           |
 *            +-----------+-------------+-------------------+
 *              u32 LE      u32 LE        length bytes (the checksum covers the payload)
 * </pre>
 */
final class RecordFormat {
    static final int VERSION = 1;
    static final int MAGIC_OFFSET = 0;
    static final int MAGIC_LENGTH = 8;
    static final int VERSION_OFFSET = 8;
    static final int HEADER_BYTES = 16;

    static final int LENGTH_OFFSET = 0;
    static final int CHECKSUM_OFFSET = 4;
    static final int RECORD_HEADER_BYTES = 8;

    static final byte[] JOURNAL_MAGIC = "CAIRNJNL".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SNAPSHOT_MAGIC = "CAIRNSNP".getBytes(StandardCharsets.US_ASCII);

    private RecordFormat() {
    }

    static void writeHeader(ByteBuf out, byte[] magic) {
        out.writeBytes(magic).writeIntLE(VERSION).writeIntLE(0);
    }

    /** Fills in the length and checksum of the record whose header starts at {@code start}; payload follows. */
    static void sealRecord(ByteBuf out, int start, CRC32C crc) {
        final int payloadStart = start + RECORD_HEADER_BYTES;
        final int length = out.writerIndex() - payloadStart;
        crc.reset();
        final ByteBuffer payload = out.nioBuffer(payloadStart, length);
        crc.update(payload);
        out.setIntLE(start + LENGTH_OFFSET, length);
        out.setIntLE(start + CHECKSUM_OFFSET, (int) crc.getValue());
    }
}
