package io.cairn.core.scrape;

/**
 * A family that the requested exposition format cannot express (a float histogram in OpenMetrics 1.0, for
 * instance). The scrape is abandoned; the caller answers it in another format rather than with a broken body.
 */
public final class UnrepresentableFamilyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnrepresentableFamilyException(String family, ExpositionFormat format, String reason) {
        super("metric family " + family + " cannot be exposed in " + format + ": " + reason, null, false, false);
    }
}
