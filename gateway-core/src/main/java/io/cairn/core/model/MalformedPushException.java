package io.cairn.core.model;

/**
 * A push body that its decoder cannot read: answered 400 with this message, before anything reaches the store.
 * Cheap to create: no stack trace, no suppressed exceptions.
 */
public class MalformedPushException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedPushException(String message) {
        super(message, null, false, false);
    }
}
