package io.cairn.core.store;

import io.cairn.core.render.EncodedFamily;

/**
 * A family as one group holds it: the pre-serialized family and the time it was pushed (the {@code time_stamp}
 * of {@code /api/v1/metrics}). Immutable; the buffer inside belongs to the store.
 */
public final class FamilyChunk {
    private final EncodedFamily family;
    private final long pushTimeNs;

    FamilyChunk(EncodedFamily family, long pushTimeNs) {
        this.family = family;
        this.pushTimeNs = pushTimeNs;
    }

    public EncodedFamily family() {
        return family;
    }

    public String name() {
        return family.name();
    }

    /** Unix time in nanoseconds of the push that stored this family. */
    public long pushTimeNs() {
        return pushTimeNs;
    }
}
