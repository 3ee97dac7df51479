package io.cairn.server.auth;

/**
 * A web configuration file Cairn refuses. The message is exporter-toolkit's where it has one ({@code missing
 * key_file}, {@code unknown TLS version: TLS14}, {@code yaml: unmarshal errors:\n  line 4: field foo not found in
 * type web.TLSConfig}), so that the same mistake reads the same under both gateways.
 */
public final class WebConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public WebConfigException(String message) {
        super(message, null, false, false);
    }
}
