package io.cairn.core.model;

/**
 * A push URL that does not name a grouping key. {@link #getMessage()} is the exact text the Go Pushgateway answers
 * for {@link Kind#BAD_REQUEST}; for the other kinds it only describes the cause, and the HTTP layer answers with the
 * router's fixed response. No stack trace: these are client errors, thrown per request.
 */
public final class GroupingKeyException extends Exception {

    /** What the Go Pushgateway answers; the status mapping itself lives in the HTTP layer. */
    public enum Kind {
        /** 400 with {@link #getMessage()} plus a newline as the body (Go's {@code http.Error}). */
        BAD_REQUEST,
        /** The request target has an invalid percent escape: Go's server answers a bare {@code 400 Bad Request}. */
        MALFORMED_URI,
        /**
         * The decoded path has {@code //}, {@code /./} or {@code /../}: Go's {@code ServeMux} answers 301 to the
         * cleaned path before any handler runs.
         */
        NON_CANONICAL_PATH,
        /**
         * No push route matches ({@code /metrics/job}, {@code /metrics/jobs/j}, {@code /metrics/job@base64/}):
         * 404. For exactly {@code /metrics/job/} Go's router first answers 307 to {@code /metrics/job}, which
         * then is a 404.
         */
        NOT_FOUND
    }

    private final Kind kind;

    public GroupingKeyException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    /** A 400 with the Go Pushgateway's message. */
    public GroupingKeyException(String message) {
        this(Kind.BAD_REQUEST, message);
    }

    public Kind kind() {
        return kind;
    }
}
