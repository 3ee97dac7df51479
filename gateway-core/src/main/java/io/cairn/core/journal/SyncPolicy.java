package io.cairn.core.journal;

import java.util.Locale;

/** When an acknowledged push is on disk: what {@code --persistence.sync} selects. */
public enum SyncPolicy {
    /**
     * Each batch of commands is written to the journal file (into the operating system) before any of them is
     * acknowledged: an acknowledged push survives the gateway being killed ({@code kill -9}, an out-of-memory
     * kill), not a crash of the machine.
     */
    WRITE,
    /** As {@link #WRITE}, and the file is forced to the device ({@code fsync}) before the acknowledgements. */
    FSYNC;

    /** The flag's spelling: {@code write}, {@code fsync}. */
    public String flagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
