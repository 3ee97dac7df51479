/**
 * Everything that writes exposition text: Go-compatible number formatting, escaping, and the {@link
 * io.cairn.core.render.PushEncoder} that turns a decoded push into the pre-serialized families the store keeps.
 */
package io.cairn.core.render;
