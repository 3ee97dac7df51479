package io.cairn.core.journal;

import java.nio.file.Path;

/**
 * A journal or snapshot file that cannot be read back: the message names the file, the byte offset and what is
 * wrong there, and says how to recover. Startup stops on it; the damaged file is left as it is.
 */
public final class CorruptStateException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;

    public CorruptStateException(Path file, long offset, String problem, String recovery) {
        super(file + " is damaged at byte offset " + offset + ": " + problem + ". " + recovery);
        this.file = file;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
