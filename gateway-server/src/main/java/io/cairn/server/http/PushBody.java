package io.cairn.server.http;

import io.cairn.core.model.MalformedPushException;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.compression.JdkZlibDecoder;
import io.netty.handler.codec.compression.SnappyFrameDecoder;
import io.netty.handler.codec.compression.ZlibWrapper;

/**
 * The body of one push as it streams in: optional decompression ({@code Content-Encoding: gzip}, or {@code
 * snappy} in the framed format {@code snzip} writes), then the decoder (text or protobuf), chunk by chunk. The body is never
 * aggregated. After the first error the rest of the body is skipped.
 */
final class PushBody {
    private final PushDecoder decoder;
    private final EmbeddedChannel decompressor;
    private final boolean gzip;
    private final long maxBodyBytes;
    private String error;
    private boolean tooLarge;
    private long bytes;
    private long decodedBytes;

    private PushBody(PushDecoder decoder, PushContent content, EmbeddedChannel decompressor, boolean gzip,
                     long maxBodyBytes) {
        this.decoder = decoder;
        this.maxBodyBytes = maxBodyBytes;
        this.decompressor = decompressor;
        this.gzip = gzip;
        content.reset();
        decoder.reset(content);
    }

    /**
     * @param encoding     the request's Content-Encoding, or {@code null}
     * @param maxBodyBytes the most bytes the decoder may be fed, after decompression; 0 for no limit
     */
    static PushBody start(PushDecoder decoder, PushContent content, String encoding, long maxBodyBytes) {
        EmbeddedChannel decompressor = null;
        boolean gzip = false;
        if (encoding != null) {
            final String e = encoding.trim();
            if (e.equalsIgnoreCase("gzip") || e.equalsIgnoreCase("x-gzip")) {
                decompressor = new EmbeddedChannel(new JdkZlibDecoder(ZlibWrapper.GZIP, 0));
                gzip = true;
            } else if (e.equalsIgnoreCase("snappy")) {
                decompressor = new EmbeddedChannel(new SnappyFrameDecoder(true));
            }
        }
        return new PushBody(decoder, content, decompressor, gzip, maxBodyBytes);
    }

    /** Feeds a chunk of the request body; does not release it. */
    void feed(ByteBuf chunk) {
        bytes += chunk.readableBytes();
        if (error != null || !chunk.isReadable()) {
            return;
        }
        if (decompressor == null) {
            parse(chunk);
            return;
        }
        try {
            decompressor.writeInbound(chunk.retain());
            drainDecompressed();
        } catch (DecompressionException e) {
            failDecompression(e);
        }
    }

    /** The body is complete: finishes decompression and parsing. */
    void finish() {
        if (error != null) {
            return;
        }
        if (decompressor != null) {
            final boolean complete = !gzip || ((JdkZlibDecoder) decompressor.pipeline().first()).isClosed();
            try {
                decompressor.finish();
                drainDecompressed();
            } catch (DecompressionException e) {
                failDecompression(e);
                return;
            }
            if (error != null) {
                return;
            }
            if (!complete) {
                // the gzip stream ended before its trailer: Go's gzip reader says EOF, or unexpected EOF
                error = bytes == 0 ? "EOF" : "unexpected EOF";
                return;
            }
        }
        try {
            decoder.finish();
        } catch (MalformedPushException e) {
            error = e.getMessage();
        }
    }

    private void drainDecompressed() {
        ByteBuf out;
        while ((out = decompressor.readInbound()) != null) {
            try {
                parse(out);
            } finally {
                out.release();
            }
        }
    }

    private void parse(ByteBuf chunk) {
        if (error != null) {
            return;
        }
        decodedBytes += chunk.readableBytes();
        if (Limits.exceeds(decodedBytes, maxBodyBytes)) {
            // a compression bomb stops here: nothing more is inflated or kept
            error = "push body exceeds the limit of " + maxBodyBytes + " bytes"
                    + (decompressor == null ? "" : " after decompression") + " (--push.max-body-bytes)";
            tooLarge = true;
            release();
            return;
        }
        try {
            decoder.feed(chunk);
        } catch (MalformedPushException e) {
            error = e.getMessage();
        }
    }

    /** Go's words for a broken compressed body ({@code compress/gzip}, {@code golang/snappy}). */
    private void failDecompression(DecompressionException e) {
        final String message = String.valueOf(e.getMessage());
        if (!gzip) {
            error = "snappy: corrupt input";
        } else if (message.contains("CRC") || message.contains("Number of bytes")) {
            error = "gzip: invalid checksum";
        } else if (message.contains("GZIP") || message.contains("Unsupported")) {
            error = "gzip: invalid header";
        } else {
            error = "unexpected EOF";
        }
        release();
    }

    /** Releases the decompressor, whatever state it is in. */
    void release() {
        if (decompressor != null && decompressor.isOpen()) {
            try {
                decompressor.finishAndReleaseAll();
            } catch (DecompressionException e) {
                // the body was bad; what the decoder held is released all the same
            }
        }
    }

    /** The body went beyond {@code --push.max-body-bytes}: its {@link #error()} is answered 413. */
    boolean tooLarge() {
        return tooLarge;
    }

    /** The error that rejects this push (400, or 413 when {@link #tooLarge()}), or {@code null}. */
    String error() {
        return error;
    }
}
