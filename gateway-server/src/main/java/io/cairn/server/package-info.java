/**
 * The {@code cairn} daemon: flags with the Pushgateway's names and defaults, start-up, and an orderly stop.
 */
package io.cairn.server;
