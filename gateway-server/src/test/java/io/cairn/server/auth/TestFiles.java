package io.cairn.server.auth;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The test certificates, keys and web config files (see {@code gen-certs.sh} beside them). */
final class TestFiles {
    private TestFiles() {
    }

    static Path dir() {
        try {
            return Path.of(TestFiles.class.getResource("web-config.yml").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path file(String name) {
        return dir().resolve(name);
    }
}
