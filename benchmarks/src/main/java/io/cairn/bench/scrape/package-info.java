/** Benchmarks of {@code io.cairn.core.scrape}: composing a whole scrape, beside a copy-everything baseline. */
package io.cairn.bench.scrape;
