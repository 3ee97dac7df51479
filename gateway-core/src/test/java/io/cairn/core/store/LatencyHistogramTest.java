package io.cairn.core.store;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Durations land in the first bucket whose upper bound they do not exceed; the sum and count follow. */
class LatencyHistogramTest {
    @Test
    void shouldCountEachDurationInItsBucketAndSumThem() {
        final LatencyHistogram h = new LatencyHistogram();

        h.record(50_000);          // 50µs: first bucket (<= 100µs)
        h.record(100_000);         // exactly on the first bound: still the first bucket (le is inclusive)
        h.record(100_001);         // just above: second bucket (<= 250µs)
        h.record(3_000_000_000L);  // 3s: the <= 5s bucket
        h.record(60_000_000_000L); // a minute: +Inf
        h.record(-5);              // a clock step counts as zero

        assertEquals(3, h.bucketCount(0));
        assertEquals(1, h.bucketCount(1));
        assertEquals(5.0, LatencyHistogram.upperBoundSeconds(14));
        assertEquals(1, h.bucketCount(14));
        assertEquals(1, h.bucketCount(LatencyHistogram.BUCKETS));
        assertEquals(6, h.count());
        assertEquals((50_000 + 100_000 + 100_001 + 3_000_000_000L + 60_000_000_000L) / 1e9, h.sumSeconds(), 1e-12);
    }

    @Test
    void shouldHaveIncreasingBounds() {
        for (int i = 1; i < LatencyHistogram.BUCKETS; i++) {
            assertEquals(-1, Double.compare(LatencyHistogram.upperBoundSeconds(i - 1),
                    LatencyHistogram.upperBoundSeconds(i)), "bucket " + i);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> new LatencyHistogram().bucketCount(-1));
        assertThrows(IndexOutOfBoundsException.class,
                () -> new LatencyHistogram().bucketCount(LatencyHistogram.BUCKETS + 1));
    }
}
