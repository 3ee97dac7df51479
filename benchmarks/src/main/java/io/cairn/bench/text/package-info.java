/** Benchmarks of {@code io.cairn.core.text}: parse throughput per corpus, beside a newline-scan baseline. */
package io.cairn.bench.text;
