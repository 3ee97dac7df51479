/**
 * The HTTP surface: the Netty pipeline, routing as the Pushgateway routes, streaming push bodies, scrapes, the
 * JSON API, and every status and error text in {@link io.cairn.server.http.HttpErrors}.
 */
package io.cairn.server.http;
