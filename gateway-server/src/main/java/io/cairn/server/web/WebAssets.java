package io.cairn.server.web;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * The files of the web UI, read once from the jar ({@code io/cairn/server/web/}). Every answer carries a strong
 * {@code ETag} (a hash of the bytes) and {@code Cache-Control: no-cache}: a browser keeps its copy and revalidates
 * it, and a new release is picked up on the next load without versioned file names. The page itself carries a
 * {@code Content-Security-Policy} that allows scripts, styles and requests from the gateway only: the page inserts
 * stored label values as text, and the policy is the second line of defence.
 *
 * <p>Links in the page are relative ({@code static/ui.js}, {@code api/...}), as the Pushgateway's with an empty
 * external URL: {@code <prefix>/} and {@code <prefix>/status} both resolve them under the route prefix, and a reverse
 * proxy that strips a path keeps working.
 */
public final class WebAssets {
    /** The page, shared by {@code /} and {@code /status}. */
    public static final String PAGE = "index.html";
    static final String CACHE_CONTROL = "no-cache";
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none';"
            + " frame-ancestors 'none'";

    private static final String RESOURCE_DIR = "/io/cairn/server/web/";
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            PAGE, "text/html; charset=utf-8",
            "ui.css", "text/css; charset=utf-8",
            "ui.js", "text/javascript; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    private final Map<String, Asset> assets;

    private record Asset(byte[] bytes, String contentType, String etag) {
    }

    private WebAssets(Map<String, Asset> assets) {
        this.assets = assets;
    }

    /** Reads the UI's files from the class path; fails if one is missing, which is a packaging error. */
    public static WebAssets load() {
        final java.util.HashMap<String, Asset> assets = new java.util.HashMap<>();
        for (Map.Entry<String, String> e : CONTENT_TYPES.entrySet()) {
            final byte[] bytes = read(e.getKey());
            assets.put(e.getKey(), new Asset(bytes, e.getValue(), etag(bytes)));
        }
        return new WebAssets(Map.copyOf(assets));
    }

    /** Whether {@code name} (a file name under {@code static/}, or {@link #PAGE}) is one of the UI's files. */
    public boolean has(String name) {
        return assets.containsKey(name);
    }

    /**
     * The answer for file {@code name}, which {@link #has} knows: 304 without a body when {@code ifNoneMatch}
     * names its current tag, 200 with the file otherwise.
     */
    public FullHttpResponse respond(String name, String ifNoneMatch) {
        final Asset asset = assets.get(name);
        final boolean fresh = ifNoneMatch != null && matches(ifNoneMatch, asset.etag);
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                fresh ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK,
                fresh ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(asset.bytes));
        response.headers()
                .set(HttpHeaderNames.ETAG, asset.etag)
                .set(HttpHeaderNames.CACHE_CONTROL, CACHE_CONTROL)
                .set("X-Content-Type-Options", "nosniff");
        if (!fresh) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, asset.contentType)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, asset.bytes.length);
        } else {
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO);
        }
        if (name.equals(PAGE)) {
            response.headers()
                    .set("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                    .set("Referrer-Policy", "no-referrer")
                    .set("X-Frame-Options", "DENY");
        }
        return response;
    }

    /** RFC 9110 {@code If-None-Match}: {@code *} or a list of tags, weak ones compared weakly. */
    static boolean matches(String ifNoneMatch, String etag) {
        for (String tag : ifNoneMatch.split(",")) {
            final String t = tag.trim();
            if (t.equals("*") || t.equals(etag) || (t.startsWith("W/") && t.substring(2).equals(etag))) {
                return true;
            }
        }
        return false;
    }

    private static byte[] read(String name) {
        try (InputStream in = WebAssets.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("web UI file missing from the class path: " + RESOURCE_DIR + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String etag(byte[] bytes) {
        try {
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + java.util.HexFormat.of().formatHex(digest, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
