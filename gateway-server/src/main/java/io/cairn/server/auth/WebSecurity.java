package io.cairn.server.auth;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.function.BiConsumer;

import javax.net.ssl.SSLException;

/**
 * What {@code --web.config.file} adds to every connection: TLS in front of the HTTP codec, then the extra response
 * headers and basic authentication between the codec and the gateway. Built at start (a bad file is refused then,
 * with exporter-toolkit's message) and again on each reload (SIGHUP; a bad file keeps the one in use);
 * {@link #configure} is called for each new channel with the one in use when it was accepted.
 */
public final class WebSecurity {
    /** No {@code --web.config.file}: plain HTTP, nothing added. */
    public static final WebSecurity NONE = new WebSecurity(WebConfig.NONE, null, (address, cause) -> { }, () -> { },
            () -> { });

    private final WebConfig config;
    private final SslContext ssl;
    private final ResponseHeadersHandler headers;
    private final BasicAuthHandler.Credentials credentials;
    private final BiConsumer<SocketAddress, Throwable> onTlsError;
    private final Runnable onHandshakeFailure;
    private final TlsFailureHandler tlsFailures;
    private final Runnable onUnauthorized;

    private WebSecurity(WebConfig config, SslContext ssl, BiConsumer<SocketAddress, Throwable> onTlsError,
                        Runnable onHandshakeFailure, Runnable onUnauthorized) {
        this.config = config;
        this.ssl = ssl;
        this.headers = config.headers().isEmpty() ? null : new ResponseHeadersHandler(config.headers());
        this.credentials = config.users().isEmpty() ? null : new BasicAuthHandler.Credentials(config.users());
        this.onTlsError = onTlsError;
        this.onHandshakeFailure = onHandshakeFailure;
        this.tlsFailures = new TlsFailureHandler(onTlsError, onHandshakeFailure);
        this.onUnauthorized = onUnauthorized;
    }

    /**
     * The same configuration, telling {@code onTlsError} about each connection closed for a failed handshake or a
     * TLS error (Go logs these as {@code http: TLS handshake error from <address>: <error>}); by default they are
     * closed silently instead of reaching the gateway handler as unexpected errors.
     */
    public WebSecurity onTlsError(BiConsumer<SocketAddress, Throwable> onTlsError) {
        return new WebSecurity(config, ssl, onTlsError, onHandshakeFailure, onUnauthorized);
    }

    /**
     * The same configuration, which also runs {@code handshakeFailure} for each TLS handshake that did not complete
     * (a TLS error, or the client closing the connection before the end) and {@code unauthorized} for each request
     * refused with a 401, after the hooks already set; both run on the event loop and must not block.
     */
    public WebSecurity counting(Runnable handshakeFailure, Runnable unauthorized) {
        return new WebSecurity(config, ssl, onTlsError, both(onHandshakeFailure, handshakeFailure),
                both(onUnauthorized, unauthorized));
    }

    private static Runnable both(Runnable first, Runnable second) {
        return () -> {
            first.run();
            second.run();
        };
    }

    /** Reads and checks the file, loads the key pair and CAs; an empty name is {@link #NONE}. */
    public static WebSecurity load(String file) throws WebConfigException {
        return file.isEmpty() ? NONE : of(WebConfig.load(Path.of(file)));
    }

    static WebSecurity of(WebConfig config) throws WebConfigException {
        return new WebSecurity(config, config.tlsEnabled() ? TlsContexts.build(config) : null, (address, cause) -> { },
                () -> { }, () -> { });
    }

    /**
     * Adds this configuration's handlers to a new connection's pipeline. Call it after the HTTP codec was added and
     * before the gateway handler: TLS goes first in the pipeline, headers and authentication after the codec.
     */
    public void configure(ChannelPipeline p) {
        if (ssl != null) {
            p.addFirst("tls", TlsContexts.newHandler(ssl, config, p.channel().alloc()));
            p.addAfter("tls", "tls-errors", tlsFailures);
        }
        if (headers != null) {
            p.addLast("headers", headers);
        }
        if (credentials != null) {
            p.addLast("auth", new BasicAuthHandler(credentials, onUnauthorized));
        }
    }

    public boolean tlsEnabled() {
        return ssl != null;
    }

    /** {@code http_server_config.http2} as the file says it; Cairn serves HTTP/1.1 either way. */
    public boolean http2() {
        return config.http2();
    }

    public boolean basicAuthEnabled() {
        return credentials != null;
    }

    public WebConfig config() {
        return config;
    }

    /**
     * Closes a connection on a TLS error and reports it, rather than passing it down the pipeline; tells {@code
     * onHandshakeFailure} of each handshake that did not complete, whatever the reason (a TLS error, or the peer
     * closing: a client that refused the server's certificate often just closes).
     */
    @ChannelHandler.Sharable
    private static final class TlsFailureHandler extends ChannelInboundHandlerAdapter {
        private final BiConsumer<SocketAddress, Throwable> onTlsError;
        private final Runnable onHandshakeFailure;

        TlsFailureHandler(BiConsumer<SocketAddress, Throwable> onTlsError, Runnable onHandshakeFailure) {
            this.onTlsError = onTlsError;
            this.onHandshakeFailure = onHandshakeFailure;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent && !((SslHandshakeCompletionEvent) evt).isSuccess()) {
                onHandshakeFailure.run();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            final Throwable tls = cause instanceof DecoderException ? cause.getCause() : cause;
            if (!(tls instanceof SSLException)) {
                ctx.fireExceptionCaught(cause);
                return;
            }
            onTlsError.accept(ctx.channel().remoteAddress(), tls);
            ctx.close();
        }
    }
}
