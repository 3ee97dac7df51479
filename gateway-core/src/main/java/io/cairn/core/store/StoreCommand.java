package io.cairn.core.store;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.render.EncodedFamily;
import io.cairn.core.render.PushEncoder;

/**
 * A change to the store, applied by the writer in the order it was offered. Its time is fixed when the command
 * is created (when the request was accepted), so that applying the same commands again gives the same store.
 */
public abstract class StoreCommand {
    /** Receives the outcome on the writer thread; must only hand it over to another thread, never block. */
    @FunctionalInterface
    public interface Completion {
        /** {@code error} is {@code null} on success, else the consistency error to answer with a 400. */
        void complete(String error);
    }

    /** How an error that is not the push's fault begins: the journal could not be written (answered 500). */
    public static final String NOT_JOURNALED = "the change was applied but could not be written to the journal: ";

    /** How the refusal of a push that would go beyond the store's size limits begins (answered 429). */
    public static final String STORE_FULL = "the store is full: ";

    private static final Completion IGNORE = error -> { };

    final long timeNs;
    final Completion completion;
    /** {@link System#nanoTime()} when the command was queued, for the writer's latency histogram. */
    long offeredNs;

    StoreCommand(long timeNs, Completion completion) {
        this.timeNs = timeNs;
        this.completion = completion == null ? IGNORE : completion;
    }

    /** Replaces a group's families (PUT, {@code replace=true}) or the pushed ones only (POST). */
    public static StoreCommand push(GroupingKey key, boolean replace, PushEncoder.EncodedPush push, long timeNs,
                                    Completion completion) {
        return new Push(key, replace, push.families(), push.rejection(), timeNs, completion);
    }

    public static StoreCommand delete(GroupingKey key, long timeNs, Completion completion) {
        return new Delete(key, timeNs, completion);
    }

    public static StoreCommand wipe(long timeNs, Completion completion) {
        return new Wipe(timeNs, completion);
    }

    /** {@code true} for an error of the gateway's storage rather than of the push ({@link #NOT_JOURNALED}). */
    public static boolean isStorageFailure(String error) {
        return error != null && error.startsWith(NOT_JOURNALED);
    }

    /** {@code true} for the refusal of a push the store has no room for ({@link #STORE_FULL}). */
    public static boolean isStoreFull(String error) {
        return error != null && error.startsWith(STORE_FULL);
    }

    /** Releases what the command owns; for a command that was not accepted by {@link GroupStore#offer}. */
    public void release() {
        discard();
    }

    /** Releases what the command still owns when it is dropped instead of applied. */
    void discard() {
    }

    static final class Push extends StoreCommand {
        final GroupingKey key;
        final boolean replace;
        final EncodedFamily[] families;
        final String rejection;

        Push(GroupingKey key, boolean replace, EncodedFamily[] families, String rejection, long timeNs,
             Completion completion) {
            super(timeNs, completion);
            this.key = key;
            this.replace = replace;
            this.families = families;
            this.rejection = rejection;
        }

        @Override
        void discard() {
            for (EncodedFamily family : families) {
                family.release();
            }
        }
    }

    static final class Delete extends StoreCommand {
        final GroupingKey key;

        Delete(GroupingKey key, long timeNs, Completion completion) {
            super(timeNs, completion);
            this.key = key;
        }
    }

    /** Installs a group as a snapshot recorded it, at start: no check, no new push time. Not journaled. */
    static final class Restore extends StoreCommand {
        final GroupingKey key;
        final EncodedFamily[] families;
        final double pushTimeSeconds;
        final double failureTimeSeconds;

        Restore(GroupingKey key, EncodedFamily[] families, double pushTimeSeconds, double failureTimeSeconds) {
            super(0, null);
            this.key = key;
            this.families = families;
            this.pushTimeSeconds = pushTimeSeconds;
            this.failureTimeSeconds = failureTimeSeconds;
        }

        @Override
        void discard() {
            for (EncodedFamily family : families) {
                family.release();
            }
        }
    }

    static final class Wipe extends StoreCommand {
        Wipe(long timeNs, Completion completion) {
            super(timeNs, completion);
        }
    }
}
