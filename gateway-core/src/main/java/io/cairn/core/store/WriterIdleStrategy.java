package io.cairn.core.store;

import org.agrona.concurrent.IdleStrategy;

/**
 * Idles the store writer: a few spins, then a park that {@link GroupStore#offer} cuts short. The writer shares
 * a small machine with the event loops, so it must not burn a core while the queue is empty.
 */
final class WriterIdleStrategy implements IdleStrategy {
    private static final int SPINS = 64;
    private static final long PARK_RECLAIMING_NS = 1_000_000L;
    private static final long PARK_IDLE_NS = 100_000_000L;

    private final GroupStore store;
    private int idleCount;

    WriterIdleStrategy(GroupStore store) {
        this.store = store;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            idleCount = 0;
            return;
        }
        idle();
    }

    @Override
    public void idle() {
        if (idleCount++ < SPINS) {
            Thread.onSpinWait();
            return;
        }
        store.park(store.reclaimPending() ? PARK_RECLAIMING_NS : PARK_IDLE_NS);
    }

    @Override
    public void reset() {
        idleCount = 0;
    }
}
