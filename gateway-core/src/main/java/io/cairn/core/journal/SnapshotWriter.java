package io.cairn.core.journal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Writes a snapshot aside ({@link JournalFiles#snapshotTmp()}), section by section, then forces it to the device
 * and renames it over the previous snapshot: a reader sees the old snapshot or the new one, whole. Sections are
 * records ({@link RecordFormat}), written in chunks of about {@value #FLUSH_BYTES} bytes.
 */
public final class SnapshotWriter implements AutoCloseable {
    private static final int FLUSH_BYTES = 1 << 20;

    private final JournalFiles files;
    private final FileChannel channel;
    private final CRC32C crc = new CRC32C();
    private final ByteBuf buffer = Unpooled.buffer(FLUSH_BYTES + FLUSH_BYTES / 4);
    private int sectionStart = -1;
    private boolean committed;

    public SnapshotWriter(JournalFiles files) throws IOException {
        this.files = files;
        Files.deleteIfExists(files.snapshotTmp());
        this.channel = FileChannel.open(files.snapshotTmp(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        RecordFormat.writeHeader(buffer, RecordFormat.SNAPSHOT_MAGIC);
    }

    /** Starts a section: returns the buffer to write its payload into. */
    public ByteBuf beginSection() {
        sectionStart = buffer.writerIndex();
        buffer.writeZero(RecordFormat.RECORD_HEADER_BYTES);
        return buffer;
    }

    public void endSection() throws IOException {
        RecordFormat.sealRecord(buffer, sectionStart, crc);
        sectionStart = -1;
        if (buffer.readableBytes() >= FLUSH_BYTES) {
            flush();
        }
    }

    /** Writes what is left, forces the file and renames it over the previous snapshot. */
    public void commit() throws IOException {
        flush();
        channel.force(true);
        channel.close();
        Files.move(files.snapshotTmp(), files.snapshot(), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        Durability.syncDirectory(files.snapshot().getParent());
        committed = true;
    }

    /** Abandons an uncommitted snapshot: the file aside is removed, the previous snapshot stays. */
    @Override
    public void close() throws IOException {
        if (!committed) {
            channel.close();
            Files.deleteIfExists(files.snapshotTmp());
        }
    }

    private void flush() throws IOException {
        final ByteBuffer bytes = buffer.nioBuffer();
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        buffer.clear();
    }
}
