package io.cairn.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;

/**
 * Every status the gateway answers and how its body reads, in one place. Error bodies are Go's {@code
 * http.Error}: the message, a newline, {@code text/plain; charset=utf-8} and {@code X-Content-Type-Options:
 * nosniff}. Fixed responses are built once and duplicated.
 */
public final class HttpErrors {
    public static final String TEXT_UTF8 = "text/plain; charset=utf-8";

    static final String NOT_FOUND_TEXT = "404 page not found";
    static final String METHOD_NOT_ALLOWED_TEXT = "Method Not Allowed";

    private static final ByteBuf EMPTY = Unpooled.EMPTY_BUFFER;

    private HttpErrors() {
    }

    /** A Go-style error response: {@code message + "\n"}. */
    public static FullHttpResponse error(HttpResponseStatus status, String message) {
        final byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, TEXT_UTF8)
                .set("X-Content-Type-Options", "nosniff")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response;
    }

    /** exporter-toolkit's answer to missing or wrong basic-auth credentials. */
    public static FullHttpResponse unauthorized() {
        final FullHttpResponse response = error(HttpResponseStatus.UNAUTHORIZED, "Unauthorized");
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic");
        return response;
    }

    public static FullHttpResponse notFound() {
        return error(HttpResponseStatus.NOT_FOUND, NOT_FOUND_TEXT);
    }

    public static FullHttpResponse methodNotAllowed(String allow) {
        final FullHttpResponse response = error(HttpResponseStatus.METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED_TEXT);
        response.headers().set(HttpHeaderNames.ALLOW, allow);
        return response;
    }

    /** A 400 for a push or a path the Pushgateway rejects, with its message. */
    public static FullHttpResponse badRequest(String message) {
        return error(HttpResponseStatus.BAD_REQUEST, message);
    }

    /** The answer to a push path the grouping-key decoder refused, by the kind of refusal. */
    public static FullHttpResponse forPath(io.cairn.core.model.GroupingKeyException e, String path, boolean get) {
        switch (e.kind()) {
            case MALFORMED_URI:
                return error(HttpResponseStatus.BAD_REQUEST, "400 Bad Request");
            case NON_CANONICAL_PATH:
                final String cleaned = Routes.cleanIfNeeded(path);
                return redirect(cleaned == null ? path : cleaned, get);
            case NOT_FOUND:
                return notFound();
            default:
                return badRequest(e.getMessage());
        }
    }

    /** The writer queue is full: try again shortly. */
    public static FullHttpResponse queueFull() {
        final FullHttpResponse response = error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                "the gateway's write queue is full, retry later");
        response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        return response;
    }

    /** An empty response with this status (push 200, delete 202). */
    public static FullHttpResponse empty(HttpResponseStatus status) {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, EMPTY);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO);
        return response;
    }

    /** A plain-text 200 such as {@code OK} from the health endpoints. */
    public static FullHttpResponse text(HttpResponseStatus status, String body) {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(bytes));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, TEXT_UTF8)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return response;
    }

    /** The 301 Go's ServeMux answers for a path that is not clean; {@code http.Redirect} writes a body for GET only. */
    public static FullHttpResponse redirect(String location, boolean withBody) {
        if (!withBody) {
            final FullHttpResponse response = empty(HttpResponseStatus.MOVED_PERMANENTLY);
            response.headers().set(HttpHeaderNames.LOCATION, location);
            return response;
        }
        final String body = "<a href=\"" + htmlEscape(location) + "\">Moved Permanently</a>.\n\n";
        final FullHttpResponse response = text(HttpResponseStatus.MOVED_PERMANENTLY, body);
        response.headers().set(HttpHeaderNames.LOCATION, location)
                .set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        return response;
    }

    /** Go's {@code html.EscapeString}, as {@code http.Redirect} applies it to the link in its body. */
    static String htmlEscape(String s) {
        return s.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&#34;");
    }
}
