package io.cairn.core.journal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Appends records to one journal segment with group commit: the records of a batch are framed into one buffer
 * ({@link #beginRecord()} ... {@link #endRecord()}), then {@link #commit()} writes them with one system call and,
 * with {@link SyncPolicy#FSYNC}, forces them to the device. Records are acknowledged only after the commit that
 * wrote them. Used by the store writer thread only.
 */
public final class JournalWriter implements AutoCloseable {
    private static final int INITIAL_BATCH_BYTES = 64 * 1024;
    /** A batch buffer grown beyond this is given back after its commit. */
    private static final int RETAINED_BATCH_BYTES = 4 * 1024 * 1024;

    private final Path path;
    private final FileChannel channel;
    private final SyncPolicy sync;
    private final CRC32C crc = new CRC32C();
    private ByteBuf batch = Unpooled.buffer(INITIAL_BATCH_BYTES);
    private int recordStart = -1;
    private long size;

    private JournalWriter(Path path, FileChannel channel, SyncPolicy sync, long size) {
        this.path = path;
        this.channel = channel;
        this.sync = sync;
        this.size = size;
    }

    /** Creates a new, empty segment (the file must not exist) and makes its header durable. */
    public static JournalWriter create(Path path, SyncPolicy sync) throws IOException {
        final FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            final ByteBuf header = Unpooled.buffer(RecordFormat.HEADER_BYTES);
            RecordFormat.writeHeader(header, RecordFormat.JOURNAL_MAGIC);
            writeFully(channel, header.nioBuffer());
            channel.force(true);
            Durability.syncDirectory(path.toAbsolutePath().getParent());
            return new JournalWriter(path, channel, sync, RecordFormat.HEADER_BYTES);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Bytes in the segment, committed records included. */
    public long size() {
        return size;
    }

    /** Starts a record: returns the buffer to write its payload into, at its writer index. */
    public ByteBuf beginRecord() {
        recordStart = batch.writerIndex();
        batch.writeZero(RecordFormat.RECORD_HEADER_BYTES);
        return batch;
    }

    /** Ends the record begun last: its length and checksum are filled in. */
    public void endRecord() {
        RecordFormat.sealRecord(batch, recordStart, crc);
        recordStart = -1;
    }

    /** Drops the record begun last (its payload could not be written). */
    public void abandonRecord() {
        batch.writerIndex(recordStart);
        recordStart = -1;
    }

    /**
     * Writes the records of this batch, and forces them to the device under {@link SyncPolicy#FSYNC}. When that
     * fails the batch is dropped and the segment cut back to its last commit, so that it never holds a partial
     * record before later ones; the exception tells the caller its records are not journaled.
     */
    public void commit() throws IOException {
        if (!batch.isReadable()) {
            return;
        }
        final int n = batch.readableBytes();
        try {
            writeFully(channel, batch.nioBuffer());
            if (sync == SyncPolicy.FSYNC) {
                channel.force(false);
            }
            size += n;
        } catch (IOException e) {
            try {
                channel.truncate(size);
                channel.position(size);
            } catch (IOException truncation) {
                e.addSuppressed(truncation);
            }
            throw e;
        } finally {
            if (batch.capacity() > RETAINED_BATCH_BYTES) {
                batch = Unpooled.buffer(INITIAL_BATCH_BYTES);
            } else {
                batch.clear();
            }
        }
    }

    /** Commits what is pending, forces the segment to the device and closes it. */
    @Override
    public void close() throws IOException {
        try {
            commit();
            channel.force(true);
        } finally {
            channel.close();
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }
}
