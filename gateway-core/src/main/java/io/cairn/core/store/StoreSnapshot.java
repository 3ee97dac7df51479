package io.cairn.core.store;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The whole store at one instant, as the writer published it: the families sorted by name and the groups by
 * slot. Immutable, shared by every reader without a lock.
 *
 * <h2>Reclamation</h2>
 * A reader {@linkplain GroupStore#acquire() pins} the snapshot before it reads any buffer, and unpins it when
 * it has retained what it needs. When the writer publishes a successor, buffers that this snapshot references
 * and its successor does not are retired onto this snapshot; the writer releases them once this snapshot and
 * every older one is unpinned and closed (a closed snapshot can no longer be pinned).
 */
public final class StoreSnapshot implements AutoCloseable {
    private static final int CLOSED = -1;

    private final FamilySnapshot[] families;
    private final SlotVector<GroupSnapshot> groups;
    private final long seriesCount;
    private final long storedBytes;
    private final long version;
    private final AtomicInteger pins = new AtomicInteger();
    private Object retired;

    StoreSnapshot(FamilySnapshot[] families, SlotVector<GroupSnapshot> groups, long seriesCount, long storedBytes,
                  long version) {
        this.families = families;
        this.groups = groups;
        this.seriesCount = seriesCount;
        this.storedBytes = storedBytes;
        this.version = version;
    }

    public int familyCount() {
        return families.length;
    }

    /** Family {@code index} in name order. */
    public FamilySnapshot family(int index) {
        return families[index];
    }

    public SlotVector<GroupSnapshot> groups() {
        return groups;
    }

    public int groupCount() {
        return groups.size();
    }

    /** Series stored, push timestamps included. */
    public long seriesCount() {
        return seriesCount;
    }

    /**
     * Capacity in bytes of the off-heap buffers that hold the groups' pre-serialized families (text and protobuf),
     * push timestamps included; family headers and scrape caches are not counted.
     */
    public long storedBytes() {
        return storedBytes;
    }

    /** Increases with every publication. */
    public long version() {
        return version;
    }

    boolean tryPin() {
        for (;;) {
            final int n = pins.get();
            if (n == CLOSED) {
                return false;
            }
            if (pins.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Unpins the snapshot; buffers read from it must have been retained before. */
    @Override
    public void close() {
        pins.decrementAndGet();
    }

    /** Closes the snapshot for pinning if no reader holds it; writer thread only. */
    boolean tryClose() {
        return pins.compareAndSet(0, CLOSED);
    }

    void retired(Object retired) {
        this.retired = retired;
    }

    Object retired() {
        return retired;
    }
}
