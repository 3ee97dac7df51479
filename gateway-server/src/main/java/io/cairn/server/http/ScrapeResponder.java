package io.cairn.server.http;

import io.cairn.core.scrape.ExpositionFormat;
import io.cairn.core.scrape.OwnFamily;
import io.cairn.core.scrape.ScrapeComposer;
import io.cairn.core.scrape.UnrepresentableFamilyException;
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
    private ScrapeResponder() {
    }

    /** A negotiated answer: the format and its Content-Type. */
    enum Answer {
        TEXT(ExpositionFormat.TEXT, "text/plain; version=0.0.4; charset=utf-8"),
        PROTOBUF(ExpositionFormat.PROTOBUF,
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"),
        OPENMETRICS_1_0_0(ExpositionFormat.OPENMETRICS, "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        OPENMETRICS_0_0_1(ExpositionFormat.OPENMETRICS, "application/openmetrics-text; version=0.0.1; charset=utf-8");

        final ExpositionFormat format;
        final String contentType;

        Answer(ExpositionFormat format, String contentType) {
            this.format = format;
            this.contentType = contentType;
        }
    }

    /**
     * The answer to a scrape, as expfmt's {@code Negotiate} (or {@code NegotiateIncludingOpenMetrics} when
     * OpenMetrics is switched on): Accept clauses by decreasing q, specific types before wildcards, and the first
     * that names a format we send wins; text 0.0.4 otherwise. The protobuf text encodings ({@code encoding=text},
     * {@code compact-text}) are answered in text 0.0.4.
     */
    static Answer negotiate(String accept, boolean openMetrics) {
        for (AcceptClause clause : AcceptClause.parse(accept)) {
            if (clause.is("application", "vnd.google.protobuf")
                    && "io.prometheus.client.MetricFamily".equals(clause.param("proto"))
                    && "delimited".equals(clause.param("encoding"))) {
                return Answer.PROTOBUF;
            }
            final String version = clause.param("version");
            final boolean anyVersion = version == null || version.isEmpty();
            if (clause.is("text", "plain") && (anyVersion || version.equals("0.0.4"))) {
                return Answer.TEXT;
            }
            if (openMetrics && clause.is("application", "openmetrics-text")) {
                if ("1.0.0".equals(version)) {
                    return Answer.OPENMETRICS_1_0_0;
                }
                if (anyVersion || version.equals("0.0.1")) {
                    return Answer.OPENMETRICS_0_0_1;
                }
            }
        }
        return Answer.TEXT;
    }

    /** Composes the exposition into {@code pieces}; on failure they are released and the list left empty. */
    private static void compose(GatewayContext gateway, Answer answer, boolean gzip, ByteBufAllocator alloc,
                                List<ByteBuf> pieces) {
        final List<OwnFamily> own = gateway.selfMetrics.render(gateway.store, alloc);
        try {
            ScrapeComposer.compose(gateway.store, own, answer.format, gzip, alloc, pieces::add);
        } catch (RuntimeException e) {
            for (ByteBuf piece : pieces) {
                piece.release();
            }
            pieces.clear();
            throw e;
        }
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

    static ChannelFuture respond(ChannelHandlerContext ctx, GatewayContext gateway, Answer negotiated, boolean head,
                                 boolean gzip, boolean keepAlive) {
        Answer answer = negotiated;
        final ByteBufAllocator alloc = ctx.alloc();
        final ArrayList<ByteBuf> pieces = new ArrayList<>();
        try {
            compose(gateway, answer, gzip, alloc, pieces);
        } catch (UnrepresentableFamilyException e) {
            // the scraper accepts text 0.0.4 too (Prometheus always does): better that than a broken exposition
            gateway.log.debug("answering a scrape in text format", "err", e.getMessage());
            answer = Answer.TEXT;
            compose(gateway, answer, gzip, alloc, pieces);
        }
        long length = 0;
        for (ByteBuf piece : pieces) {
            length += piece.readableBytes();
        }
        final HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, answer.contentType)
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
