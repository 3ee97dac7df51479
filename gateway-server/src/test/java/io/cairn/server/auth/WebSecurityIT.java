package io.cairn.server.auth;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS, client certificates, basic auth and extra headers over real loopback sockets: a pipeline of the HTTP codec,
 * {@link WebSecurity#configure} and a responder that answers {@code ok <body bytes>} a few milliseconds later (so
 * that pipelined requests overlap as they do in front of the gateway's store writer).
 */
class WebSecurityIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String ALICE = BasicAuthHandlerTest.basic("alice:alice123");
    private static final String USERS =
            "basic_auth_users:\n  alice: $2y$04$i1bwz0FGLdC4FcsH.zy0Ku9oIY5qI7NX3Fb6ZuqjqBbMCm5.dGZwi\n";

    private final Queue<Throwable> tlsErrors = new ConcurrentLinkedQueue<>();
    private EventLoopGroup group;
    private Channel server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close().sync();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Answers every request, after its last content, with 200 and the number of body bytes it received. */
    private static final class Responder extends ChannelInboundHandlerAdapter {
        private long bodyBytes;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpContent) {
                    bodyBytes += ((HttpContent) msg).content().readableBytes();
                }
                if (msg instanceof LastHttpContent) {
                    final byte[] body = ("ok " + bodyBytes + "\n").getBytes(StandardCharsets.UTF_8);
                    bodyBytes = 0;
                    final FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            Unpooled.wrappedBuffer(body));
                    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                    ctx.executor().schedule(() -> ctx.writeAndFlush(r), 20, TimeUnit.MILLISECONDS);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    private int start(String yaml) throws Exception {
        final WebSecurity security = WebSecurity.of(WebConfig.parse(yaml, TestFiles.dir()))
                .onTlsError((address, cause) -> tlsErrors.add(cause));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        final ChannelPipeline p = ch.pipeline();
                        p.addLast("http", new HttpServerCodec());
                        security.configure(p);
                        p.addLast("responder", new Responder());
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private int startShared() throws Exception {
        return start(Files.readString(TestFiles.file("web-config.yml")));
    }

    private static Certificate certificate(String name) throws Exception {
        try (InputStream in = Files.newInputStream(TestFiles.file(name))) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** A client trusting the test CA, presenting {@code client} ("client", "other-client") unless null. */
    private static HttpClient client(String client, String... protocols) throws Exception {
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", certificate("ca.pem"));
        final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (client != null) {
            final KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            final char[] password = "test".toCharArray();
            keys.setKeyEntry("client", TlsContexts.privateKey(Files.readString(TestFiles.file(client + ".key"))),
                    password, new Certificate[] {certificate(client + ".pem")});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
        }
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : new KeyManager[] {new AlwaysPresent(
                (X509ExtendedKeyManager) kmf.getKeyManagers()[0])}, tmf.getTrustManagers(), null);
        final SSLParameters params = new SSLParameters();
        params.setProtocols(protocols.length == 0 ? new String[] {"TLSv1.3", "TLSv1.2"} : protocols);
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT)
                .sslContext(context).sslParameters(params).build();
    }

    /**
     * Presents the client certificate whatever CAs the server names (the JDK's key manager would otherwise send none
     * when its issuer is not among them, and a certificate from another CA would never reach the server).
     */
    private static final class AlwaysPresent extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager keys;

        AlwaysPresent(X509ExtendedKeyManager keys) {
            this.keys = keys;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return "client";
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return "client";
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"client"};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return keys.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return keys.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }
    }

    private static HttpResponse<String> get(HttpClient client, String url, String authorization) throws Exception {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServeTls12AndTls13() throws Exception {
        final int port = startShared();
        for (String protocol : new String[] {"TLSv1.2", "TLSv1.3"}) {
            final HttpResponse<String> r = get(client(null, protocol), "https://127.0.0.1:" + port + "/metrics", ALICE);
            assertEquals(200, r.statusCode(), protocol);
            assertEquals("ok 0\n", r.body());
            assertEquals(protocol, r.sslSession().orElseThrow().getProtocol());
            assertEquals("deny", r.headers().firstValue("X-Frame-Options").orElseThrow());
            assertEquals("max-age=31536000", r.headers().firstValue("Strict-Transport-Security").orElseThrow());
        }
    }

    @Test
    void shouldRefuseAClientOfferingOnlyTls10Or11() throws Exception {
        final int port = startShared();
        for (int minor : new int[] {1, 2}) { // TLS 1.0 is 3.1, TLS 1.1 is 3.2
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout((int) TIMEOUT.toMillis());
                s.getOutputStream().write(clientHello(minor));
                final byte[] record = s.getInputStream().readNBytes(7);
                assertEquals(0x15, record[0], "an alert record"); // not a ServerHello (0x16)
                assertEquals(2, record[5], "fatal");
                assertEquals(70, record[6], "protocol_version");
            }
        }
        for (int i = 0; i < 100 && tlsErrors.size() < 2; i++) {
            Thread.sleep(50); // the report may follow the alert by a moment
        }
        assertEquals(2, tlsErrors.size(), "each refused handshake is reported, not passed down the pipeline");
        assertTrue(tlsErrors.peek().getMessage().contains("protocol_version"), tlsErrors.peek().getMessage());
        // the same server speaks TLS 1.2
        assertEquals(200, get(client(null, "TLSv1.2"), "https://127.0.0.1:" + port + "/", ALICE).statusCode());
    }

    /** A ClientHello of TLS 1.{minor-1} without extensions, offering two CBC suites every version knows. */
    private static byte[] clientHello(int minor) {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(3);
        body.write(minor);
        body.writeBytes(new byte[32]); // random
        body.write(0); // no session id
        body.writeBytes(new byte[] {0, 4, (byte) 0xc0, 0x13, 0x00, 0x2f}); // ECDHE_RSA/RSA _WITH_AES_128_CBC_SHA
        body.writeBytes(new byte[] {1, 0}); // null compression
        final byte[] b = body.toByteArray();
        final ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.writeBytes(new byte[] {0x16, 3, 1, 0, (byte) (b.length + 4)});
        record.writeBytes(new byte[] {1, 0, 0, (byte) b.length});
        record.writeBytes(b);
        return record.toByteArray();
    }

    @Test
    void shouldRequireAClientCertificateFromTheCa() throws Exception {
        final int port = start("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n"
                + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n");
        final String url = "https://127.0.0.1:" + port + "/metrics";
        for (String protocol : new String[] {"TLSv1.2", "TLSv1.3"}) {
            assertEquals(200, get(client("client", protocol), url, null).statusCode(), protocol);
            assertThrows(IOException.class, () -> get(client(null, protocol), url, null), protocol);
            assertThrows(IOException.class, () -> get(client("other-client", protocol), url, null), protocol);
        }
    }

    @Test
    void shouldVerifyAClientCertificateOnlyWhenGiven() throws Exception {
        final int port = startShared(); // VerifyClientCertIfGiven
        final String url = "https://127.0.0.1:" + port + "/metrics";
        assertEquals(200, get(client(null), url, ALICE).statusCode());
        assertEquals(200, get(client("client"), url, ALICE).statusCode());
        assertThrows(IOException.class, () -> get(client("other-client"), url, ALICE));
    }

    @Test
    void shouldAskForButNotVerifyWithRequireAnyClientCert() throws Exception {
        final int port = start("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n"
                + "  client_auth_type: RequireAnyClientCert\n");
        final String url = "https://127.0.0.1:" + port + "/metrics";
        assertEquals(200, get(client("other-client"), url, null).statusCode());
        assertThrows(IOException.class, () -> get(client(null), url, null));
    }

    @Test
    void shouldAnswer401WithoutTheRightPassword() throws Exception {
        final int port = start(USERS
                + "http_server_config:\n  headers:\n    X-Frame-Options: sameorigin\n"
                + "    Content-Security-Policy: default-src 'self'\n");
        final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final String url = "http://127.0.0.1:" + port + "/metrics";
        final HttpResponse<String> ok = get(client, url, ALICE);
        assertEquals(200, ok.statusCode());
        assertEquals("sameorigin", ok.headers().firstValue("X-Frame-Options").orElseThrow());
        assertEquals("default-src 'self'", ok.headers().firstValue("Content-Security-Policy").orElseThrow());
        for (String authorization : new String[] {BasicAuthHandlerTest.basic("alice:alice1234"), null,
                "Basic not-base64!", BasicAuthHandlerTest.basic("alice"), "Bearer abc"}) {
            final HttpResponse<String> r = get(client, url, authorization);
            assertEquals(401, r.statusCode(), authorization);
            assertEquals("Basic", r.headers().firstValue("WWW-Authenticate").orElseThrow());
            assertEquals("Unauthorized\n", r.body());
            assertEquals("text/plain; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
            assertEquals("sameorigin", r.headers().firstValue("X-Frame-Options").orElseThrow(), "on a 401 too");
        }
    }

    @Test
    void shouldKeepPipelinedAnswersInOrderAndDropARejectedBody() throws Exception {
        final int port = start(USERS);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout((int) TIMEOUT.toMillis());
            final String body = "some_metric 1\n";
            final String requests = ""
                    + "PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nAuthorization: " + ALICE + "\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body
                    + "PUT /metrics/job/b HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                    + "PUT /metrics/job/c HTTP/1.1\r\nHost: x\r\nAuthorization: " + ALICE
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length()) + "\r\n" + body
                    + "\r\n0\r\n\r\n";
            final OutputStream out = s.getOutputStream();
            out.write(requests.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final InputStream in = s.getInputStream();
            assertEquals("200 ok 14\n", readResponse(in));
            assertEquals("401 Unauthorized\n", readResponse(in));
            assertEquals("200 ok 14\n", readResponse(in));
            // the connection is still usable after the 401
            out.write(("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: " + ALICE + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertEquals("200 ok 0\n", readResponse(in));
        }
    }

    /** One HTTP/1.1 response with a Content-Length: {@code "<status> <body>"}. */
    private static String readResponse(InputStream in) throws IOException {
        final StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            final int c = in.read();
            if (c < 0) {
                throw new IOException("closed after " + head);
            }
            head.append((char) c);
        }
        final String[] lines = head.toString().split("\r\n");
        int length = 0;
        for (String line : lines) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        final String status = lines[0].split(" ")[1];
        return status + " " + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    @Test
    void shouldLoadTheSharedFileThroughWebSecurity() throws Exception {
        final WebSecurity security = WebSecurity.load(TestFiles.file("web-config.yml").toString());
        assertTrue(security.tlsEnabled());
        assertTrue(security.basicAuthEnabled());
        assertFalse(security.http2());
        assertFalse(WebSecurity.load("").tlsEnabled());
        final Path missing = TestFiles.file("absent.yml");
        assertEquals("open " + missing + ": no such file or directory",
                assertThrows(WebConfigException.class, () -> WebSecurity.load(missing.toString())).getMessage());
    }
}
