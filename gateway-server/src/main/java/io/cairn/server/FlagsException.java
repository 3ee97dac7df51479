package io.cairn.server;

/**
 * The command line ends the program instead of starting it: {@code --help}, {@code --version} (exit code 0, text on
 * stdout) or a bad flag (exit code 1, kingpin's {@code cairn: error: <reason>, try --help} on stderr).
 * {@link #getMessage()} is the text to print, without the final newline.
 */
public final class FlagsException extends Exception {

    /** Where the text goes. */
    public enum Stream {
        STDOUT,
        STDERR
    }

    private final int exitCode;
    private final Stream stream;

    FlagsException(String text, int exitCode, Stream stream) {
        super(text, null, false, false);
        this.exitCode = exitCode;
        this.stream = stream;
    }

    /** A usage error in kingpin's words: {@code cairn: error: <reason>, try --help}, exit code 1. */
    static FlagsException usage(String reason) {
        return new FlagsException(Flags.PROGRAM + ": error: " + reason + ", try --help", 1, Stream.STDERR);
    }

    public int exitCode() {
        return exitCode;
    }

    public Stream stream() {
        return stream;
    }
}
