/**
 * {@code cairn migrate}: copies every group of a running Go Pushgateway into a running Cairn, read from the old
 * gateway's {@code /api/v1/metrics} JSON and pushed group by group as text format 0.0.4 with the same grouping
 * keys, families and values; see {@code docs/migration.md}.
 */
package io.cairn.server.migrate;
