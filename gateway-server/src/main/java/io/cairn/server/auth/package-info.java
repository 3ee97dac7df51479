/**
 * The web configuration file ({@code --web.config.file}, exporter-toolkit format as the Pushgateway 1.5.1 reads it):
 * {@link io.cairn.server.auth.WebConfig} parses and checks it at start and on SIGHUP, {@link io.cairn.server.auth.TlsContexts}
 * turns its {@code tls_server_config} into a Netty {@code SslContext}, and {@link io.cairn.server.auth.WebSecurity}
 * puts TLS, the extra response headers and {@link io.cairn.server.auth.BasicAuthHandler} into a connection's pipeline.
 */
package io.cairn.server.auth;
