package io.cairn.core.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cairn.core.fuzz.PushBodyFeeder.Chunks;
import io.cairn.core.model.PushContent;
import io.cairn.core.proto.DelimitedDecoder;
import io.cairn.core.testing.LeakRecorder;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of {@link DelimitedDecoder}: any body is decoded or rejected with a
 * {@code MalformedPushException}, never another exception; the outcome does not depend on how the body is cut
 * into chunks; and decoding allocates in proportion to the bytes received, never to a length a prefix claims
 * (the default limit lets a prefix claim 64 MiB). Seeds: {@code DelimitedDecoderFuzzTestInputs/} (the bodies of
 * {@code DelimitedDecoderTest}); findings land there too and run as regression tests.
 */
class DelimitedDecoderFuzzTest {
    /** What decoding may allocate beyond {@link #BYTES_PER_BODY_BYTE} per body byte: protobuf-java's fixed costs. */
    private static final long FIXED_ALLOCATION_BYTES = 2L << 20;
    private static final long BYTES_PER_BODY_BYTE = 256;

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final DelimitedDecoder decoder = new DelimitedDecoder();
    private final PushContent content = new PushContent();

    @AfterAll
    static void shouldLeakNoBuffer() {
        LeakRecorder.assertNoLeaks();
    }

    @FuzzTest(maxDuration = "20s")
    void shouldDecodeOrRejectAlikeHoweverTheBodyIsCut(byte[] body) {
        final String whole = PushBodyFeeder.decode(decoder, content, body, new int[0], Chunks.POOLED_HEAP);
        assertEquals(whole, decode(body, PushBodyFeeder.randomCuts(body, 1), Chunks.POOLED_DIRECT), "direct chunks");
        // measured on chunks the leak detector does not track: it allocates a stack trace per tracked buffer
        final long before = THREADS.getCurrentThreadAllocatedBytes();
        final String cut = decode(body, PushBodyFeeder.randomCuts(body, 2), Chunks.WRAPPED_HEAP);
        final long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertEquals(whole, cut, "heap chunks");
        assertTrue(allocated <= FIXED_ALLOCATION_BYTES + BYTES_PER_BODY_BYTE * body.length,
            "allocated " + allocated + " bytes to decode a body of " + body.length + " bytes");
        assertEquals(whole, decode(body, PushBodyFeeder.everyByte(body), Chunks.REUSED_DIRECT), "byte by byte");
    }

    private String decode(byte[] body, int[] cuts, Chunks chunks) {
        return PushBodyFeeder.decode(decoder, content, body, cuts, chunks);
    }
}
