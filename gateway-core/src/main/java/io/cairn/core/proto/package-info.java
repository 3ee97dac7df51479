/**
 * The protobuf exposition model: {@code Metrics}, the classes protoc generates from {@code metrics.proto} at build
 * time (protobuf-java), and {@link io.cairn.core.proto.DelimitedDecoder}, which decodes delimited protobuf pushes
 * ({@code MetricFamily} messages, each behind a varint length) into a {@link io.cairn.core.model.PushContent} as the
 * body streams in, with the Go Pushgateway's error texts.
 */
package io.cairn.core.proto;
