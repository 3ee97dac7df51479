package io.cairn.server.auth;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WebConfigTest {
    private static final String TLS = "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n";
    private static final String HASH = "$2y$04$i1bwz0FGLdC4FcsH.zy0Ku9oIY5qI7NX3Fb6ZuqjqBbMCm5.dGZwi";

    /**
     * (file, exact message). The messages are the Go Pushgateway 1.5.1's for the same file (exporter-toolkit v0.8.2,
     * yaml.v2 UnmarshalStrict, Go 1.19 crypto/bcrypt), except where a row says otherwise.
     */
    private static final String[][] ERRORS = {
        {TLS + "  foo: bar", "yaml: unmarshal errors:\n  line 4: field foo not found in type web.TLSConfig"},
        {"foo: 1", "yaml: unmarshal errors:\n  line 1: field foo not found in type web.Config"},
        {"rate_limit:\n  burst: 1", "yaml: unmarshal errors:\n  line 1: field rate_limit not found in type web.Config"},
        {"tls_server_config:\n  cert: abc\n  key_file: server.key",
            "yaml: unmarshal errors:\n  line 2: field cert not found in type web.TLSConfig"},
        {"tls_server_config:\n  cert_file: server.pem", "missing key_file"},
        {"tls_server_config:\n  key_file: server.key", "missing cert_file"},
        {"tls_server_config:\n  client_auth_type: RequireAndVerifyClientCert", "missing cert_file"},
        {TLS + "  client_auth_type: Foo", "Invalid ClientAuth: Foo"},
        {TLS + "  min_version: TLS14", "unknown TLS version: TLS14"},
        {TLS + "  max_version: tls12", "unknown TLS version: tls12"},
        {TLS + "  cipher_suites: [TLS_FOO]", "unknown cipher: TLS_FOO"},
        // an insecure suite Go 1.19's tls.CipherSuites() does not list
        {TLS + "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]", "unknown cipher: TLS_RSA_WITH_RC4_128_SHA"},
        {TLS + "  curve_preferences: [P999]", "unknown curve: P999"},
        {TLS + "  cipher_suites: TLS_AES_128_GCM_SHA256",
            "yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `TLS_AES...` into []web.Cipher"},
        {"basic_auth_users:\n  alice: notahash", "crypto/bcrypt: hashedSecret too short to be a bcrypted password"},
        {"basic_auth_users:\n  alice: x" + HASH.substring(1),
            "crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with 'x'"},
        {"basic_auth_users:\n  alice: $3" + HASH.substring(2),
            "crypto/bcrypt: bcrypt algorithm version '3' requested is newer than current version '2'"},
        {"basic_auth_users:\n  alice: " + HASH.replace("$04$", "$03$"),
            "crypto/bcrypt: cost 3 is outside allowed range (4,31)"},
        // Cairn only: Go accepts any minor letter at start (and then fails every login)
        {"basic_auth_users:\n  alice: " + HASH.replace("$2y$", "$2x$"),
            "bcrypt hash version $2x$ is not supported (expected $2a$, $2b$ or $2y$)"},
        {"tls_server_config:\n  cert_file: nope.pem\n  key_file: server.key",
            "failed to load X509KeyPair: open " + TestFiles.file("nope.pem") + ": no such file or directory"},
        {"tls_server_config:\n  cert_file: server.pem\n  key_file: nope.key",
            "failed to load X509KeyPair: open " + TestFiles.file("nope.key") + ": no such file or directory"},
        {TLS + "  client_ca_file: ca.pem", "Client CA's have been configured without a Client Auth Policy"},
        {TLS + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: nope.pem",
            "open " + TestFiles.file("nope.pem") + ": no such file or directory"},
        {"http_server_config:\n  headers:\n    Server: x", "HTTP header \"Server\" can not be configured"},
        {"http_server_config:\n  headers:\n    x-frame-options: deny",
            "HTTP header \"x-frame-options\" can not be configured"},
        {"http_server_config:\n  headers:\n    X-Frame-Options: allow",
            "invalid value for X-Frame-Options. Expected one of: [\"deny\" \"sameorigin\"], but got: \"allow\""},
        {"http_server_config:\n  http2: maybe",
            "yaml: unmarshal errors:\n  line 2: cannot unmarshal !!str `maybe` into bool"},
        {"http_server_config:\n  http2: true\n  http2: false",
            "yaml: unmarshal errors:\n  line 3: field http2 already set in type web.HTTPConfig"},
        {"tls_server_config: [a]", "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into web.TLSConfig"},
        {"foo: 1\nbar: 2", "yaml: unmarshal errors:\n  line 1: field foo not found in type web.Config\n"
            + "  line 2: field bar not found in type web.Config"},
        // Cairn only: Go accepts it and then fails every handshake
        {TLS + "  min_version: TLS13\n  max_version: TLS12", "min_version TLS13 is above max_version TLS12"},
    };

    @Test
    void shouldRefuseWithExporterToolkitWords() {
        for (String[] row : ERRORS) {
            final WebConfigException e = assertThrows(WebConfigException.class,
                    () -> WebConfig.parse(row[0], TestFiles.dir()), row[0]);
            assertEquals(row[1], e.getMessage(), row[0]);
        }
    }

    @Test
    void shouldRefuseBrokenYamlNamingTheLine() {
        final WebConfigException e = assertThrows(WebConfigException.class,
                () -> WebConfig.parse("tls_server_config:\n  cert_file: \"x", TestFiles.dir()));
        assertTrue(e.getMessage().startsWith("yaml: line 2: "), e.getMessage());
    }

    @Test
    void shouldReadTheSharedTestFile() throws Exception {
        final WebConfig c = WebConfig.load(TestFiles.file("web-config.yml"));
        assertTrue(c.tlsEnabled());
        assertEquals(TestFiles.file("server.pem"), c.certFile());
        assertEquals(TestFiles.file("server.key"), c.keyFile());
        assertEquals(TestFiles.file("ca.pem"), c.clientCaFile());
        assertEquals(WebConfig.ClientAuth.VERIFY_CLIENT_CERT_IF_GIVEN, c.clientAuth());
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), c.protocols());
        assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"), c.cipherSuites());
        assertEquals(List.of("x25519", "secp256r1"), c.namedGroups());
        assertTrue(c.preferServerCipherSuites());
        assertFalse(c.http2());
        assertEquals(Map.of("X-Frame-Options", "deny", "X-Content-Type-Options", "nosniff",
                "Strict-Transport-Security", "max-age=31536000"), c.headers());
        assertEquals(List.of("alice", "bob", "carol"), List.copyOf(c.users().keySet()));
    }

    @Test
    void shouldTakeAnEmptyFileAsNoTlsNoUsers() throws Exception {
        for (String text : new String[] {"", "# nothing\n", "---\n", "tls_server_config:\nbasic_auth_users:\n"}) {
            final WebConfig c = WebConfig.parse(text, null);
            assertFalse(c.tlsEnabled(), text);
            assertTrue(c.users().isEmpty(), text);
            assertTrue(c.headers().isEmpty(), text);
            assertTrue(c.http2(), text);
            assertEquals(List.of("TLSv1.2", "TLSv1.3"), c.protocols(), text);
        }
    }

    @Test
    void shouldMapEveryClientAuthTypeAndVersion() throws Exception {
        final String[][] rows = {
            {"NoClientCert", "NO_CLIENT_CERT"}, {"RequestClientCert", "REQUEST_CLIENT_CERT"},
            {"RequireAnyClientCert", "REQUIRE_ANY_CLIENT_CERT"}, {"RequireClientCert", "REQUIRE_ANY_CLIENT_CERT"},
            {"VerifyClientCertIfGiven", "VERIFY_CLIENT_CERT_IF_GIVEN"},
            {"RequireAndVerifyClientCert", "REQUIRE_AND_VERIFY_CLIENT_CERT"},
        };
        for (String[] row : rows) {
            final WebConfig c = WebConfig.parse(TLS + "  client_auth_type: " + row[0], TestFiles.dir());
            assertEquals(WebConfig.ClientAuth.valueOf(row[1]), c.clientAuth(), row[0]);
        }
        final WebConfig c = WebConfig.parse(TLS + "  min_version: TLS10\n  max_version: TLS11", TestFiles.dir());
        assertEquals(List.of("TLSv1", "TLSv1.1"), c.protocols());
    }

    @Test
    void shouldResolvePathsAgainstTheFilesDirectory() throws Exception {
        final Path dir = Files.createTempDirectory("webcfg");
        try {
            final Path file = dir.resolve("web.yml");
            Files.writeString(file, "tls_server_config:\n  cert_file: " + TestFiles.file("server.pem")
                    + "\n  key_file: relative.key\n");
            final WebConfigException e = assertThrows(WebConfigException.class, () -> WebConfig.load(file));
            assertEquals("failed to load X509KeyPair: open " + dir.resolve("relative.key")
                    + ": no such file or directory", e.getMessage());
            final WebConfigException missing = assertThrows(WebConfigException.class,
                    () -> WebConfig.load(dir.resolve("absent.yml")));
            assertEquals("open " + dir.resolve("absent.yml") + ": no such file or directory", missing.getMessage());
        } finally {
            Files.deleteIfExists(dir.resolve("web.yml"));
            Files.delete(dir);
        }
    }
}
