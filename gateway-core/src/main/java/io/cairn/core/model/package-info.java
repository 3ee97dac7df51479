/**
 * Small value types shared by the decoders and the store: the grouping key and its URL decoding, metric types, and
 * the decoded form of a push ({@link io.cairn.core.model.PushContent}), reused from push to push.
 */
package io.cairn.core.model;
