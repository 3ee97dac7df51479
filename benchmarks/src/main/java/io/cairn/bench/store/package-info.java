/** Benchmarks of {@code io.cairn.core.store}: the writer's apply cost against the number of stored groups. */
package io.cairn.bench.store;
