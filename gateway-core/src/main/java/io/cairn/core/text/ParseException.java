package io.cairn.core.text;

import io.cairn.core.model.MalformedPushException;

/**
 * A body that the text format parser rejects. The message is exactly the Go Pushgateway's:
 * {@code text format parsing error in line N: ...}, with the line number expfmt reports. Cheap to create: no stack
 * trace.
 */
public final class ParseException extends MalformedPushException {
    private static final long serialVersionUID = 1L;

    private final int lineNumber;

    ParseException(int lineNumber, String detail) {
        super("text format parsing error in line " + lineNumber + ": " + detail);
        this.lineNumber = lineNumber;
    }

    /** The 1-based line the error was found on, counted as expfmt counts it. */
    public int lineNumber() {
        return lineNumber;
    }
}
