package io.cairn.core.store;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.render.EncodedFamily;

/**
 * One group as published to readers: its grouping key and its families sorted by name (including {@code
 * push_time_seconds} and {@code push_failure_time_seconds}). Immutable.
 */
public final class GroupSnapshot {
    private final GroupingKey key;
    private final int slot;
    private final EncodedFamily[] families;
    private final double pushTimeSeconds;
    private final double failureTimeSeconds;

    GroupSnapshot(GroupingKey key, int slot, EncodedFamily[] families, double pushTimeSeconds,
                  double failureTimeSeconds) {
        this.key = key;
        this.slot = slot;
        this.families = families;
        this.pushTimeSeconds = pushTimeSeconds;
        this.failureTimeSeconds = failureTimeSeconds;
    }

    public GroupingKey key() {
        return key;
    }

    int slot() {
        return slot;
    }

    public int familyCount() {
        return families.length;
    }

    public EncodedFamily family(int index) {
        return families[index];
    }

    EncodedFamily[] families() {
        return families;
    }

    /** The family of that name, or {@code null}. */
    public EncodedFamily family(String name) {
        int lo = 0;
        int hi = families.length - 1;
        while (lo <= hi) {
            final int mid = (lo + hi) >>> 1;
            final int c = families[mid].name().compareTo(name);
            if (c == 0) {
                return families[mid];
            }
            if (c < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return null;
    }

    /** Value of {@code push_time_seconds}: the last successful push, 0 if none. */
    public double pushTimeSeconds() {
        return pushTimeSeconds;
    }

    /** Value of {@code push_failure_time_seconds}: the last failed push, 0 if none. */
    public double failureTimeSeconds() {
        return failureTimeSeconds;
    }

    /** As the Pushgateway's {@code last_push_successful}: no failure since the last success. */
    public boolean lastPushSuccessful() {
        return failureTimeSeconds <= pushTimeSeconds;
    }

    public int seriesCount() {
        int n = 0;
        for (EncodedFamily family : families) {
            n += family.seriesCount();
        }
        return n;
    }
}
