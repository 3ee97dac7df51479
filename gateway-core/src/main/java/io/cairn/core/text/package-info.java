/**
 * Streaming parser for the Prometheus text exposition format 0.0.4, exact to what the Go Pushgateway 1.5.1
 * accepts and rejects (it uses {@code expfmt.TextParser} of prometheus/common): {@link
 * io.cairn.core.text.TextFormatParser} fills a {@link io.cairn.core.model.PushContent} from body chunks as the
 * HTTP layer receives them, {@link io.cairn.core.text.GoFloatParser} reads numbers as Go's {@code
 * strconv.ParseFloat} does, and every rejection is a {@link io.cairn.core.text.ParseException} carrying the
 * Go message byte for byte.
 */
package io.cairn.core.text;
