/**
 * The files that make the store durable: a write-ahead journal of checksummed records, written in segments with
 * group commit, and snapshots of the whole state in checksummed sections, written aside and renamed into place.
 * This package knows the framing (lengths, CRC-32C, headers, torn tails, corruption); what a record or section
 * holds is the store's business ({@code io.cairn.core.store.StoreCodec}).
 */
package io.cairn.core.journal;
