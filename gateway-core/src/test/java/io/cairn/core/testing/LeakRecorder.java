package io.cairn.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Records the leaks Netty's leak detector reports (tests run with {@code -Dio.netty.leakDetection.level=paranoid}),
 * so that a test can assert there were none instead of relying on a log line.
 *
 * <p>Install it before the first buffer is allocated ({@link #install()} is idempotent); then {@link
 * #assertNoLeaks()} collects garbage, allocates to let the detector look at collected buffers, and fails if
 * any buffer was collected without being released.
 */
public final class LeakRecorder {
    private static final List<String> LEAKS = new ArrayList<>();
    private static boolean installed;

    private LeakRecorder() {
    }

    public static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation")
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                     long maxActive) {
                return new ResourceLeakDetector<T>(resource, samplingInterval, maxActive) {
                    @Override
                    protected void reportTracedLeak(String resourceType, String records) {
                        record(resourceType + " leaked:" + records);
                    }

                    @Override
                    protected void reportUntracedLeak(String resourceType) {
                        record(resourceType + " leaked (untraced)");
                    }
                };
            }
        });
    }

    private static synchronized void record(String leak) {
        LEAKS.add(leak);
    }

    /** Leaks seen so far, after a collection that lets the detector notice collected, unreleased buffers. */
    public static List<String> collectLeaks() {
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // the detector checks its reference queue when a new buffer is tracked
            for (int j = 0; j < 100; j++) {
                final ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                probe.release();
                final ByteBuf heapProbe = PooledByteBufAllocator.DEFAULT.heapBuffer(16);
                heapProbe.release();
            }
        }
        synchronized (LeakRecorder.class) {
            return new ArrayList<>(LEAKS);
        }
    }

    /** Forgets the leaks recorded so far (for the test that proves leaks are caught). */
    static synchronized void forget() {
        LEAKS.clear();
    }

    public static void assertNoLeaks() {
        final List<String> leaks = collectLeaks();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " buffer(s) leaked; first: " + leaks.get(0));
        }
    }
}
