package io.cairn.server.auth;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * Builds the server {@link SslContext} of a {@link WebConfig}'s {@code tls_server_config} with the JDK provider, and
 * applies the per-engine settings Netty's builder has no option for.
 *
 * <p>How Go's settings map: {@code client_auth_type} RequestClientCert and RequireAnyClientCert ask for a certificate
 * without verifying it (an accept-all trust manager), VerifyClientCertIfGiven and RequireAndVerifyClientCert verify it
 * against {@code client_ca_file} (or the JDK's trust store when none is given, as Go then uses the system roots).
 * {@code cipher_suites} only ever restricts TLS 1.0–1.2 in Go, so the TLS 1.3 suites stay enabled. {@code
 * curve_preferences} needs {@code SSLParameters.setNamedGroups} (Java 20+); on Java 17 it falls back to the
 * process-wide {@code jdk.tls.namedGroups} property, set here before the first handshake unless already set.
 * {@code prefer_server_cipher_suites} is {@code SSLParameters.setUseCipherSuitesOrder}. The JDK's own {@code
 * jdk.tls.disabledAlgorithms} still applies: on Java 17 TLS 1.0 and 1.1 stay off even when {@code min_version} allows
 * them. No ALPN is offered: Cairn serves HTTP/1.1 over TLS whatever {@code http2} says.
 */
public final class TlsContexts {
    /** Always enabled, as in Go, where {@code cipher_suites} does not apply to TLS 1.3. */
    private static final List<String> TLS13_SUITES =
            List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)\\s*-----END \\1-----");
    /** {@code SSLParameters.setNamedGroups(String[])}, Java 20+; null on older runtimes. */
    private static final Method SET_NAMED_GROUPS = namedGroupsSetter();

    private TlsContexts() {
    }

    /**
     * Loads the key pair and the client CAs and builds the context; a refusal reads as exporter-toolkit's ({@code
     * failed to load X509KeyPair: tls: private key does not match public key}).
     */
    public static SslContext build(WebConfig config) throws WebConfigException {
        final String certPem = read(config.certFile(), "failed to load X509KeyPair: ");
        final X509Certificate[] chain = certificates(certPem, noCertificateMessage(certPem));
        final PrivateKey key = privateKey(read(config.keyFile(), "failed to load X509KeyPair: "));
        checkPair(chain[0].getPublicKey(), key);

        final SslContextBuilder b = SslContextBuilder.forServer(key, chain)
                .sslProvider(SslProvider.JDK)
                .protocols(config.protocols());
        if (!config.cipherSuites().isEmpty()) {
            final List<String> suites = new ArrayList<>(config.cipherSuites());
            for (String s : TLS13_SUITES) {
                if (!suites.contains(s)) {
                    suites.add(s);
                }
            }
            b.ciphers(suites, SupportedCipherSuiteFilter.INSTANCE);
        }
        switch (config.clientAuth()) {
            case REQUEST_CLIENT_CERT:
                b.clientAuth(ClientAuth.OPTIONAL).trustManager(InsecureTrustManagerFactory.INSTANCE);
                break;
            case REQUIRE_ANY_CLIENT_CERT:
                b.clientAuth(ClientAuth.REQUIRE).trustManager(InsecureTrustManagerFactory.INSTANCE);
                break;
            case VERIFY_CLIENT_CERT_IF_GIVEN:
                b.clientAuth(ClientAuth.OPTIONAL);
                clientCas(b, config.clientCaFile());
                break;
            case REQUIRE_AND_VERIFY_CLIENT_CERT:
                b.clientAuth(ClientAuth.REQUIRE);
                clientCas(b, config.clientCaFile());
                break;
            default:
                b.clientAuth(ClientAuth.NONE);
        }
        if (!config.namedGroups().isEmpty() && SET_NAMED_GROUPS == null
                && System.getProperty("jdk.tls.namedGroups") == null) {
            System.setProperty("jdk.tls.namedGroups", String.join(",", config.namedGroups()));
        }
        try {
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new WebConfigException("failed to load X509KeyPair: " + e.getMessage());
        }
    }

    /** A handler for one connection, with the settings the context cannot carry. */
    public static SslHandler newHandler(SslContext context, WebConfig config, ByteBufAllocator alloc) {
        final SslHandler handler = context.newHandler(alloc);
        final SSLEngine engine = handler.engine();
        final SSLParameters params = engine.getSSLParameters();
        params.setUseCipherSuitesOrder(config.preferServerCipherSuites());
        if (!config.namedGroups().isEmpty() && SET_NAMED_GROUPS != null) {
            try {
                SET_NAMED_GROUPS.invoke(params, (Object) config.namedGroups().toArray(new String[0]));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        engine.setSSLParameters(params);
        return handler;
    }

    private static void clientCas(SslContextBuilder b, Path file) throws WebConfigException {
        if (file != null) {
            b.trustManager(certificates(read(file, ""), "client_ca_file " + file + ": no PEM certificate found"));
        }
    }

    private static String read(Path file, String prefix) throws WebConfigException {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new WebConfigException(prefix + WebConfig.ioMessage(file, e));
        }
    }

    /** Go's {@code tls.X509KeyPair} words for a certificate file without a certificate. */
    private static String noCertificateMessage(String pem) {
        final List<String> skipped = blockTypes(pem);
        for (String type : skipped) {
            if (type.endsWith("PRIVATE KEY")) {
                return "failed to load X509KeyPair: tls: failed to find certificate PEM data in certificate input,"
                        + " but did find a private key; PEM inputs may have been switched";
            }
        }
        if (!skipped.isEmpty()) {
            return "failed to load X509KeyPair: tls: failed to find \"CERTIFICATE\" PEM block in certificate input"
                    + " after skipping PEM blocks of the following types: " + skipped;
        }
        return "failed to load X509KeyPair: tls: failed to find any PEM data in certificate input";
    }

    private static List<String> blockTypes(String pem) {
        final List<String> types = new ArrayList<>();
        final Matcher m = PEM.matcher(pem);
        while (m.find()) {
            types.add(m.group(1));
        }
        return types;
    }

    private static X509Certificate[] certificates(String pem, String noneMessage) throws WebConfigException {
        final List<X509Certificate> certs = new ArrayList<>();
        final Matcher m = PEM.matcher(pem);
        try {
            final CertificateFactory factory = CertificateFactory.getInstance("X.509");
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE")) {
                    certs.add((X509Certificate) factory.generateCertificate(
                            new ByteArrayInputStream(Base64.getMimeDecoder().decode(m.group(2)))));
                }
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw new WebConfigException("failed to load X509KeyPair: " + e.getMessage());
        }
        if (certs.isEmpty()) {
            throw new WebConfigException(noneMessage);
        }
        return certs.toArray(new X509Certificate[0]);
    }

    /**
     * The first private key block, as Go's {@code tls.X509KeyPair} reads it: PKCS#8 ({@code PRIVATE KEY}), PKCS#1
     * ({@code RSA PRIVATE KEY}) or SEC 1 ({@code EC PRIVATE KEY}); the last two are wrapped into PKCS#8 for the JDK.
     */
    static PrivateKey privateKey(String pem) throws WebConfigException {
        final Matcher m = PEM.matcher(pem);
        while (m.find()) {
            final String type = m.group(1);
            if (!type.endsWith("PRIVATE KEY")) {
                continue;
            }
            try {
                final byte[] der = Base64.getMimeDecoder().decode(m.group(2));
                switch (type) {
                    case "PRIVATE KEY":
                        return pkcs8(der, "RSA", "EC", "Ed25519", "Ed448");
                    case "RSA PRIVATE KEY":
                        return pkcs8(Der.pkcs8(Der.RSA_ALGORITHM, der), "RSA");
                    case "EC PRIVATE KEY":
                        return pkcs8(Der.pkcs8(Der.ecAlgorithm(der), der), "EC");
                    default:
                        break; // ENCRYPTED PRIVATE KEY: Go cannot read it either
                }
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                // damaged base64 or DER: refused below
            }
            throw new WebConfigException("failed to load X509KeyPair: tls: failed to parse private key");
        }
        final List<String> skipped = blockTypes(pem);
        if (skipped.contains("CERTIFICATE")) {
            throw new WebConfigException("failed to load X509KeyPair: tls: found a certificate rather than a key in"
                    + " the PEM for the private key");
        }
        if (!skipped.isEmpty()) {
            throw new WebConfigException("failed to load X509KeyPair: tls: failed to find PEM block with type ending"
                    + " in \"PRIVATE KEY\" in key input after skipping PEM blocks of the following types: " + skipped);
        }
        throw new WebConfigException("failed to load X509KeyPair: tls: failed to find any PEM data in key input");
    }

    private static PrivateKey pkcs8(byte[] der, String... algorithms) throws WebConfigException {
        for (String algorithm : algorithms) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm, as Go's parsePrivateKey tries PKCS#1, PKCS#8 and SEC 1 in turn
            }
        }
        throw new WebConfigException("failed to load X509KeyPair: tls: failed to parse private key");
    }

    /** Go checks that the key belongs to the leaf certificate; a signature the public key verifies proves it. */
    private static void checkPair(PublicKey publicKey, PrivateKey key) throws WebConfigException {
        final String algorithm;
        switch (key.getAlgorithm()) {
            case "RSA":
                algorithm = "SHA256withRSA";
                break;
            case "EC":
                algorithm = "SHA256withECDSA";
                break;
            default:
                algorithm = key.getAlgorithm(); // Ed25519, Ed448
        }
        final byte[] probe = "cairn".getBytes(StandardCharsets.US_ASCII);
        boolean match;
        try {
            final Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            final byte[] signature = signer.sign();
            final Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            match = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            match = false;
        }
        if (!match) {
            throw new WebConfigException("failed to load X509KeyPair: tls: private key does not match public key");
        }
    }

    private static Method namedGroupsSetter() {
        try {
            return SSLParameters.class.getMethod("setNamedGroups", String[].class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /** Just enough DER to wrap a PKCS#1 or SEC 1 key into a PKCS#8 {@code PrivateKeyInfo}. */
    static final class Der {
        /** AlgorithmIdentifier { rsaEncryption, NULL }. */
        static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
                (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        /** OID id-ecPublicKey, 1.2.840.10045.2.1. */
        private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02,
                0x01};

        private Der() {
        }

        /** PrivateKeyInfo { version 0, algorithm, OCTET STRING key }. */
        static byte[] pkcs8(byte[] algorithm, byte[] key) {
            return tlv(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, key)));
        }

        /** AlgorithmIdentifier { id-ecPublicKey, curve } with the curve OID of an ECPrivateKey's [0] parameters. */
        static byte[] ecAlgorithm(byte[] sec1) {
            int i = headerLength(sec1, 0); // into the SEQUENCE
            while (i < sec1.length) {
                final int tag = sec1[i] & 0xff;
                final int len = length(sec1, i);
                final int header = headerLength(sec1, i);
                if (tag == 0xa0) {
                    final byte[] oid = Arrays.copyOfRange(sec1, i + header, i + header + len);
                    return tlv(0x30, concat(EC_PUBLIC_KEY, oid));
                }
                i += header + len;
            }
            throw new IllegalArgumentException("EC PRIVATE KEY without curve parameters");
        }

        private static int headerLength(byte[] der, int at) {
            final int first = der[at + 1] & 0xff;
            return first < 0x80 ? 2 : 2 + (first & 0x7f);
        }

        private static int length(byte[] der, int at) {
            final int first = der[at + 1] & 0xff;
            if (first < 0x80) {
                return first;
            }
            int len = 0;
            for (int k = 0; k < (first & 0x7f); k++) {
                len = (len << 8) | (der[at + 2 + k] & 0xff);
            }
            return len;
        }

        private static byte[] tlv(int tag, byte[] value) {
            final int n = value.length;
            final byte[] len;
            if (n < 0x80) {
                len = new byte[] {(byte) n};
            } else if (n < 0x100) {
                len = new byte[] {(byte) 0x81, (byte) n};
            } else if (n < 0x10000) {
                len = new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
            } else {
                len = new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
            }
            return concat(new byte[] {(byte) tag}, len, value);
        }

        private static byte[] concat(byte[]... parts) {
            int n = 0;
            for (byte[] p : parts) {
                n += p.length;
            }
            final byte[] out = new byte[n];
            int at = 0;
            for (byte[] p : parts) {
                System.arraycopy(p, 0, out, at, p.length);
                at += p.length;
            }
            return out;
        }
    }
}
