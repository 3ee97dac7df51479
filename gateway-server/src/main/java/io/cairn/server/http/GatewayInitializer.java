package io.cairn.server.http;

import io.cairn.server.auth.WebSecurity;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The pipeline of a gateway connection: TLS when configured, idle and read deadlines, the HTTP/1.1 codec (request
 * line and headers bounded by {@code --web.max-header-bytes}), basic auth and extra headers when configured
 * ({@code --web.config.file}), then {@link GatewayHandler}. Bodies are not aggregated: pushes
 * stream into the parser. Beyond {@code --web.max-connections} a new connection is closed at once. The web
 * configuration is read once per new connection, so that a reload applies to connections accepted after it.
 */
public final class GatewayInitializer extends ChannelInitializer<SocketChannel> {
    static final int MAX_CHUNK_BYTES = 64 * 1024;

    private final GatewayContext gateway;
    private final Supplier<WebSecurity> web;

    public GatewayInitializer(GatewayContext gateway, Supplier<WebSecurity> web) {
        this.gateway = gateway;
        this.web = web;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        final Limits limits = gateway.limits;
        if (Limits.exceeds(gateway.connections.size() + 1L, limits.maxConnections())) {
            gateway.selfMetrics.countLimitRejection("web.max-connections");
            ch.close();
            return;
        }
        gateway.connections.add(ch);
        final ChannelPipeline p = ch.pipeline();
        p.addLast("idle", new IdleStateHandler(0, 0, limits.idleTimeoutNs(), TimeUnit.NANOSECONDS) {
            @Override
            protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
                ctx.close(); // --web.idle-timeout: nothing read or written for that long
            }
        });
        p.addLast("deadline", new ReadDeadlineHandler(limits.readTimeoutNs(), gateway.selfMetrics));
        final int headerBytes = (int) Math.min(Integer.MAX_VALUE, limits.maxHeaderBytes());
        p.addLast("http", new HttpServerCodec(headerBytes, headerBytes, MAX_CHUNK_BYTES));
        web.get().configure(p); // TLS first, headers and basic auth after the codec (--web.config.file)
        p.addLast("gateway", new GatewayHandler(gateway));
    }
}
