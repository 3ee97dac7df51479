/**
 * The server's own logging: a small logfmt/JSON line logger on stderr in the Go Pushgateway's formats, configured
 * once from {@code --log.level} and {@code --log.format}; no logging library.
 */
package io.cairn.server.log;
