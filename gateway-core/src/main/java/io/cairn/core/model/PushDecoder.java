package io.cairn.core.model;

import io.netty.buffer.ByteBuf;

/**
 * A streaming decoder of push bodies (text format 0.0.4, or delimited protobuf): fed the body chunk by chunk as it
 * arrives, it fills a {@link PushContent}. Not thread-safe; reused from push to push through {@link #reset}.
 */
public interface PushDecoder {
    /** Starts a new body; decoded families go to {@code target}. */
    void reset(PushContent target);

    /** Consumes the readable bytes of {@code chunk} (advancing its reader index); neither retains nor releases it. */
    void feed(ByteBuf chunk) throws MalformedPushException;

    /** The body is complete: decodes what is left, or rejects a body that ends early. */
    void finish() throws MalformedPushException;
}
