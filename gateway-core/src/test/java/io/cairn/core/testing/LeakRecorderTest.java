package io.cairn.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The leak checks of the other tests can fail: a buffer dropped without release is reported. */
class LeakRecorderTest {
    @Test
    void shouldReportABufferCollectedWithoutRelease() {
        LeakRecorder.install();
        assertTrue(LeakRecorder.collectLeaks().isEmpty(), "no leak before this test");
        leak();
        try {
            assertFalse(LeakRecorder.collectLeaks().isEmpty(), "the dropped buffer is reported");
        } finally {
            LeakRecorder.forget();
        }
    }

    private static void leak() {
        final ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        buf.writeLong(42);
        // dropped without release()
    }
}
