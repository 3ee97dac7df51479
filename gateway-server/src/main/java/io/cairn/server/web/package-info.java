/**
 * The web UI: the page at {@code /} and {@code /status} and its script and style sheet, read from the jar once at
 * start-up and served with validators so a browser asks again cheaply. The page fetches everything it shows from
 * the JSON API; nothing here renders store contents.
 */
package io.cairn.server.web;
