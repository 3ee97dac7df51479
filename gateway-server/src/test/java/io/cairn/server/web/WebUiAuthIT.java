package io.cairn.server.web;

import io.cairn.core.testing.LeakRecorder;
import io.cairn.server.auth.WebSecurity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The web UI sits behind the same pipeline as every other route: with {@code basic_auth_users} the page, its files
 * and its JSON answer 401 without credentials and are served with them, under the route prefix.
 */
class WebUiAuthIT {
    private static final String WEB_CONFIG =
            "basic_auth_users:\n  alice: $2y$04$i1bwz0FGLdC4FcsH.zy0Ku9oIY5qI7NX3Fb6ZuqjqBbMCm5.dGZwi\n";
    private static final String ALICE = "Basic " + Base64.getEncoder().encodeToString(
            "alice:alice123".getBytes(StandardCharsets.UTF_8));

    @AfterAll
    static void noLeaks() {
        LeakRecorder.assertNoLeaks();
    }

    @Test
    void shouldAskForCredentialsOnEveryUiPath() throws Exception {
        final Path config = Files.createTempFile("cairn-web-config-", ".yml");
        try {
            Files.writeString(config, WEB_CONFIG);
            try (TestGateway gateway = new TestGateway("/gw", WebSecurity.load(config.toString()), false)) {
                assertEquals(200, gateway.send("PUT", "/metrics/job/j", "a 1\n", "Authorization", ALICE)
                        .statusCode());
                for (String path : new String[] {"/", "/status", "/static/ui.js", "/static/ui.css",
                    "/api/cairn/v1/groups", "/api/cairn/v1/groups/job/j"}) {
                    assertEquals(401, gateway.send("GET", path, null).statusCode(), path);
                    assertEquals(200, gateway.send("GET", path, null, "Authorization", ALICE).statusCode(), path);
                }
            }
        } finally {
            Files.delete(config);
        }
    }
}
