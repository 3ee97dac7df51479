/**
 * Scrapes composed from a store snapshot: families in name order from their per-family caches, merged with the
 * gateway's own families, as plain text or as one gzip member assembled from cached segments.
 */
package io.cairn.core.scrape;
