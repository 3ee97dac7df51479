package io.cairn.server.http;

import io.cairn.core.scrape.OwnFamily;
import io.cairn.core.scrape.TextScrapeComposer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.ArrayList;
import java.util.List;

/**
 * Answers a scrape in text format 0.0.4: the pre-serialized pieces of the store, merged with the gateway's own
 * families, written as they are; or gzip-compressed when the scraper accepts it (as promhttp negotiates it).
 */
final class ScrapeResponder {
    static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private ScrapeResponder() {
    }

    /** As promhttp's {@code gzipAccepted}: one of the comma-separated codings is {@code gzip}. */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String part : acceptEncoding.split(",")) {
            final String coding = part.trim();
            if (coding.equals("gzip") || coding.startsWith("gzip;")) {
                return true;
            }
        }
        return false;
    }

    static ChannelFuture respond(ChannelHandlerContext ctx, GatewayContext gateway, boolean head, boolean gzip,
                                 boolean keepAlive) {
        final ByteBufAllocator alloc = ctx.alloc();
        final List<OwnFamily> own = gateway.selfMetrics.render(gateway.store, alloc);
        final ArrayList<ByteBuf> pieces = new ArrayList<>();
        if (gzip) {
            TextScrapeComposer.composeGzip(gateway.store, own, alloc, pieces::add);
        } else {
            TextScrapeComposer.compose(gateway.store, own, alloc, pieces::add);
        }
        long length = 0;
        for (ByteBuf piece : pieces) {
            length += piece.readableBytes();
        }
        final HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, TEXT_FORMAT)
                .set(HttpHeaderNames.CONTENT_LENGTH, length);
        if (gzip) {
            response.headers().set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
        }
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.write(response);
        for (ByteBuf piece : pieces) {
            if (head) {
                piece.release();
            } else {
                ctx.write(new DefaultHttpContent(piece));
            }
        }
        return ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }
}
