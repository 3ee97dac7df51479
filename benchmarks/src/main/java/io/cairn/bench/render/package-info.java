/** Benchmarks of {@code io.cairn.core.render}: the cost of pre-serializing a push for one group. */
package io.cairn.bench.render;
