package io.cairn.core.store;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fixed-bucket histogram of durations, written by one thread (the store writer) and read by any other (a scrape)
 * without a lock. Recording allocates nothing and costs a scan of {@value #BUCKETS} bounds and two ordered stores.
 *
 * <p>The bounds, in seconds, run from 100µs to 10s: an apply or a journal write takes microseconds when all is
 * well, and the upper buckets show a writer or a disk in trouble. A reader may see a bucket count and the sum from
 * slightly different moments; each value on its own is one the writer stored.
 */
public final class LatencyHistogram {
    /** Upper bounds of the finite buckets, in seconds. */
    private static final double[] BOUNDS_SECONDS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    };
    /** Finite buckets; the {@code +Inf} bucket comes after them. */
    public static final int BUCKETS = 16;
    private static final long[] BOUNDS_NS = new long[BUCKETS];

    static {
        if (BOUNDS_SECONDS.length != BUCKETS) {
            throw new ExceptionInInitializerError("BUCKETS must count BOUNDS_SECONDS");
        }
        for (int i = 0; i < BUCKETS; i++) {
            BOUNDS_NS[i] = Math.round(BOUNDS_SECONDS[i] * 1e9);
        }
    }

    /** Per bucket, not cumulative: {@value #BUCKETS} finite buckets, then {@code +Inf}, then the sum in ns. */
    private final AtomicLongArray cells = new AtomicLongArray(BUCKETS + 2);

    /** Records one duration; writer thread only. A negative duration (a clock step) counts as zero. */
    public void record(long durationNs) {
        final long ns = Math.max(0, durationNs);
        int bucket = 0;
        while (bucket < BUCKETS && ns > BOUNDS_NS[bucket]) {
            bucket++;
        }
        // single writer: a plain read and an ordered store are enough, readers see whole values
        cells.setRelease(bucket, cells.getPlain(bucket) + 1);
        cells.setRelease(BUCKETS + 1, cells.getPlain(BUCKETS + 1) + ns);
    }

    /** Upper bound of finite bucket {@code index} ({@code 0 <= index < }{@value #BUCKETS}) in seconds. */
    public static double upperBoundSeconds(int index) {
        return BOUNDS_SECONDS[index];
    }

    /**
     * Observations that fell into bucket {@code index} alone (not cumulative); {@code index == }{@value #BUCKETS}
     * is the {@code +Inf} bucket, beyond the last bound.
     */
    public long bucketCount(int index) {
        if (index < 0 || index > BUCKETS) {
            throw new IndexOutOfBoundsException(index);
        }
        return cells.getAcquire(index);
    }

    /** The sum of the recorded durations in seconds. */
    public double sumSeconds() {
        return cells.getAcquire(BUCKETS + 1) / 1e9;
    }

    /** Observations recorded so far (the sum of every bucket). */
    public long count() {
        long n = 0;
        for (int i = 0; i <= BUCKETS; i++) {
            n += cells.getAcquire(i);
        }
        return n;
    }
}
