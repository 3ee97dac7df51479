package io.cairn.server.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * The pipeline of a gateway connection: the HTTP/1.1 codec, then {@link GatewayHandler}. Bodies are not
 * aggregated: pushes stream into the parser.
 */
public final class GatewayInitializer extends ChannelInitializer<SocketChannel> {
    /** Long grouping keys travel in the request line: allow 64 KiB (label values of several KiB happen). */
    static final int MAX_INITIAL_LINE_BYTES = 64 * 1024;
    static final int MAX_HEADER_BYTES = 64 * 1024;
    static final int MAX_CHUNK_BYTES = 64 * 1024;

    private final GatewayContext gateway;

    public GatewayInitializer(GatewayContext gateway) {
        this.gateway = gateway;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        gateway.connections.add(ch);
        final ChannelPipeline p = ch.pipeline();
        p.addLast("http", new HttpServerCodec(MAX_INITIAL_LINE_BYTES, MAX_HEADER_BYTES, MAX_CHUNK_BYTES));
        p.addLast("gateway", new GatewayHandler(gateway));
    }
}
