/**
 * JMH benchmarks of Cairn's engine, one class per unit under test in packages that mirror gateway-core ({@code
 * text}, {@code render}, {@code store}, {@code scrape}); this package holds what two or more of them share: the
 * push bodies ({@link io.cairn.bench.Corpora}) and the bytes/s counter ({@link io.cairn.bench.ByteCounter}).
 */
package io.cairn.bench;
