package io.cairn.core.store;

/**
 * A rendering of one {@link FamilySnapshot} that scrapes build once and reuse while the family does not change
 * (its bytes concatenated, or compressed). It is released by the store writer together with the family
 * snapshot it belongs to, once no reader can see that snapshot.
 */
public interface ScrapeCache {
    /** Releases the buffers of the cache; called once, by the writer. */
    void release();
}
