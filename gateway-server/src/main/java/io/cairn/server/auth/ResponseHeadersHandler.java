package io.cairn.server.auth;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;

import java.util.Map;

/**
 * Adds {@code http_server_config.headers} to every response, 401s included. exporter-toolkit sets them before the
 * wrapped handler runs, so a header the handler sets itself wins: here a header already on the response is kept.
 * Interim (1xx) responses get none, as Go writes those itself.
 */
@ChannelHandler.Sharable
public final class ResponseHeadersHandler extends ChannelOutboundHandlerAdapter {
    private final Map<String, String> headers;

    public ResponseHeadersHandler(Map<String, String> headers) {
        this.headers = Map.copyOf(headers);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse) {
            final HttpResponse response = (HttpResponse) msg;
            if (response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
                final HttpHeaders h = response.headers();
                for (Map.Entry<String, String> e : headers.entrySet()) {
                    if (!h.contains(e.getKey())) {
                        h.set(e.getKey(), e.getValue());
                    }
                }
            }
        }
        ctx.write(msg, promise);
    }
}
