package io.cairn.server.auth;

import io.netty.handler.ssl.SslContext;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TlsContextsTest {

    private static WebConfig config(String cert, String key) throws WebConfigException {
        return WebConfig.parse("tls_server_config:\n  cert_file: " + cert + "\n  key_file: " + key, TestFiles.dir());
    }

    @Test
    void shouldReadTheKeyFormatsGoReads() throws Exception {
        for (String[] pair : new String[][] {{"server.pem", "server.key"}, {"server.pem", "server-pkcs1.key"},
                {"ec.pem", "ec.key"}}) {
            final SslContext context = TlsContexts.build(config(pair[0], pair[1]));
            assertTrue(context.isServer(), pair[1]);
        }
    }

    /** (cert, key, message): Go 1.19's tls.X509KeyPair words, behind exporter-toolkit's prefix. */
    @Test
    void shouldRefuseAKeyPairAsGoDoes() {
        final String[][] rows = {
            {"server.pem", "client.key", "failed to load X509KeyPair: tls: private key does not match public key"},
            {"server.pem", "ca.pem",
                "failed to load X509KeyPair: tls: found a certificate rather than a key in the PEM for the"
                    + " private key"},
            {"server.key", "server.key", "failed to load X509KeyPair: tls: failed to find certificate PEM data in"
                + " certificate input, but did find a private key; PEM inputs may have been switched"},
            {"web-config.yml", "server.key",
                "failed to load X509KeyPair: tls: failed to find any PEM data in certificate input"},
            {"server.pem", "web-config.yml",
                "failed to load X509KeyPair: tls: failed to find any PEM data in key input"},
        };
        for (String[] row : rows) {
            final WebConfigException e = assertThrows(WebConfigException.class,
                    () -> TlsContexts.build(config(row[0], row[1])), row[1]);
            assertEquals(row[2], e.getMessage());
        }
    }

    @Test
    void shouldBuildEveryClientAuthType() throws Exception {
        for (String type : new String[] {"NoClientCert", "RequestClientCert", "RequireAnyClientCert",
                "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"}) {
            final String ca = type.contains("Verify") ? "\n  client_ca_file: ca.pem" : "";
            final WebConfig c = WebConfig.parse("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key"
                    + "\n  client_auth_type: " + type + ca, TestFiles.dir());
            assertTrue(TlsContexts.build(c).isServer(), type);
        }
    }
}
