/**
 * The gateway's own metrics on the telemetry path: the Pushgateway's, the process's, the JVM's and the store's.
 */
package io.cairn.server.selfmetrics;
