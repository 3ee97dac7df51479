/**
 * The single-writer store: commands, the writer agent and its family index, and the immutable snapshots readers
 * pin without a lock, with the reclamation of replaced buffers.
 */
package io.cairn.core.store;
