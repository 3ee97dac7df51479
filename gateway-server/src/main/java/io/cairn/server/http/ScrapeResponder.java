package io.cairn.server.http;

import io.cairn.core.scrape.ExpositionFormat;
import io.cairn.core.scrape.OwnFamily;
import io.cairn.core.scrape.ScrapeComposer;
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
 * Answers a scrape: the pre-serialized pieces of the store, merged with the gateway's own families, written as they
 * are, in the format the Accept header asks for and gzip-compressed when the scraper accepts it (both as promhttp
 * negotiates them).
 */
final class ScrapeResponder {
    static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";
    static final String PROTOBUF_FORMAT =
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    private ScrapeResponder() {
    }

    /**
     * The format of a scrape, as expfmt's {@code Negotiate}: Accept clauses by decreasing q, specific types before
     * wildcards, and the first that names a format we send wins; text 0.0.4 otherwise. The protobuf text
     * encodings ({@code encoding=text}, {@code compact-text}) are answered in text 0.0.4.
     */
    static ExpositionFormat negotiate(String accept) {
        for (AcceptClause clause : AcceptClause.parse(accept)) {
            if (clause.is("application", "vnd.google.protobuf")
                    && "io.prometheus.client.MetricFamily".equals(clause.param("proto"))
                    && "delimited".equals(clause.param("encoding"))) {
                return ExpositionFormat.PROTOBUF;
            }
            final String version = clause.param("version");
            if (clause.is("text", "plain") && (version == null || version.equals("0.0.4") || version.isEmpty())) {
                return ExpositionFormat.TEXT;
            }
        }
        return ExpositionFormat.TEXT;
    }

    static String contentType(ExpositionFormat format) {
        return format == ExpositionFormat.PROTOBUF ? PROTOBUF_FORMAT : TEXT_FORMAT;
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

    static ChannelFuture respond(ChannelHandlerContext ctx, GatewayContext gateway, ExpositionFormat format,
                                 boolean head, boolean gzip, boolean keepAlive) {
        final ByteBufAllocator alloc = ctx.alloc();
        final List<OwnFamily> own = gateway.selfMetrics.render(gateway.store, alloc);
        final ArrayList<ByteBuf> pieces = new ArrayList<>();
        ScrapeComposer.compose(gateway.store, own, format, gzip, alloc, pieces::add);
        long length = 0;
        for (ByteBuf piece : pieces) {
            length += piece.readableBytes();
        }
        final HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType(format))
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
