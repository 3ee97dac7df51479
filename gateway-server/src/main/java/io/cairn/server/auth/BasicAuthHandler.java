package io.cairn.server.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import io.cairn.server.http.HttpErrors;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * HTTP basic authentication as exporter-toolkit's {@code webHandler} does it, between the HTTP codec and the gateway:
 * a request whose {@code Authorization: Basic} credentials match a {@code basic_auth_users} bcrypt hash passes on
 * untouched; any other (no header, another scheme, bad base64, no {@code :}, unknown user, wrong password) is
 * answered {@code 401 Unauthorized} with {@code WWW-Authenticate: Basic} and Go's {@code http.Error} body
 * {@code "Unauthorized\n"}, and its body is read and released.
 *
 * <p>Pipelining: a 401 must not overtake the response of an earlier request still being answered downstream, so the
 * handler counts requests it passed on until their last response content is written, and holds a 401 (and whatever
 * arrives after it) until then. A request that asked for {@code 100-continue} gets its 401 with {@code Connection:
 * close}, as Go closes when it never sent the 100.
 *
 * <p>A bcrypt check (an outcome not in the cache) runs off the event loop; reading the connection pauses meanwhile,
 * and what was already read waits, in order, until the outcome is known.
 *
 * <p>One instance per connection; the {@link Credentials} (users and check cache) are shared.
 */
public final class BasicAuthHandler extends ChannelDuplexHandler {
    static final String UNAUTHORIZED_TEXT = "Unauthorized";

    private final Credentials credentials;
    /** Told of each request refused, for the self metrics. */
    private final Runnable onUnauthorized;
    /** Requests passed on whose response is not fully written yet. */
    private int inFlight;
    /** Messages (and {@link Rejection}s) that wait behind a 401 held for an earlier response; in arrival order. */
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    /** The body of a rejected request is being dropped. */
    private boolean discarding;
    /** A 401 closed the connection: everything after it is dropped. */
    private boolean closing;
    private boolean draining;
    /** A bcrypt check runs for the last request read; what arrives meanwhile waits in {@link #arrived}. */
    private boolean checking;
    private final ArrayDeque<Object> arrived = new ArrayDeque<>();
    /** The handler left the pipeline (the connection closed): a check that ends now releases its request. */
    private boolean removed;

    public BasicAuthHandler(Credentials credentials) {
        this(credentials, () -> { });
    }

    /** {@code onUnauthorized} runs on the event loop for each request refused with a 401; it must not block. */
    public BasicAuthHandler(Credentials credentials, Runnable onUnauthorized) {
        this.credentials = credentials;
        this.onUnauthorized = onUnauthorized;
    }

    /** A 401 to be written, in its place among the held messages. */
    private static final class Rejection {
        final boolean keepAlive;

        Rejection(boolean keepAlive) {
            this.keepAlive = keepAlive;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (checking) {
            arrived.add(msg);
            pauseReading(ctx); // again: a handler behind this one may have resumed reading meanwhile
            return;
        }
        read(ctx, msg);
    }

    private void read(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest) {
            final HttpRequest request = (HttpRequest) msg;
            // a request the codec could not decode is the gateway's to answer (400), as Go answers it before auth
            if (request.decoderResult().isSuccess()) {
                final String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
                final Boolean known = credentials.knownOutcome(authorization);
                if (known == null) {
                    check(ctx, request, authorization);
                    return;
                }
                if (!known) {
                    refuse(ctx, request);
                    return;
                }
            }
            discarding = false;
        } else if (discarding && msg instanceof HttpContent) {
            discarding = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!held.isEmpty()) {
            held.add(msg);
            return;
        }
        forward(ctx, msg);
    }

    /**
     * Runs bcrypt for {@code request} on the credentials' executor, not on the event loop (whose other connections
     * would wait tens of milliseconds), and stops reading the connection until the outcome is known.
     */
    private void check(ChannelHandlerContext ctx, HttpRequest request, String authorization) {
        checking = true;
        pauseReading(ctx);
        try {
            credentials.executor.execute(() -> {
                final boolean authorized = credentials.authorized(authorization);
                if (ctx.executor().inEventLoop()) {
                    checked(ctx, request, authorized);
                } else {
                    try {
                        ctx.executor().execute(() -> checked(ctx, request, authorized));
                    } catch (RejectedExecutionException e) {
                        ReferenceCountUtil.release(request); // the event loop is shutting down with its channels
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            checked(ctx, request, false);
        }
    }

    private void checked(ChannelHandlerContext ctx, HttpRequest request, boolean authorized) {
        checking = false;
        if (removed || !ctx.channel().isActive()) {
            ReferenceCountUtil.release(request);
            return;
        }
        // reading resumes first, so that a handler behind this one can pause it again while the held messages go on
        ctx.channel().config().setAutoRead(true);
        if (authorized) {
            discarding = false;
            if (held.isEmpty()) {
                forward(ctx, request);
            } else {
                held.add(request);
            }
        } else {
            refuse(ctx, request);
        }
        Object msg;
        while (!checking && (msg = arrived.poll()) != null) {
            read(ctx, msg);
        }
    }

    private static void pauseReading(ChannelHandlerContext ctx) {
        if (ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void refuse(ChannelHandlerContext ctx, HttpRequest request) {
        final boolean keepAlive = HttpUtil.isKeepAlive(request) && !HttpUtil.is100ContinueExpected(request);
        discarding = !(request instanceof LastHttpContent);
        ReferenceCountUtil.release(request);
        onUnauthorized.run();
        reject(ctx, new Rejection(keepAlive));
    }

    private void forward(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            inFlight++;
        }
        ctx.fireChannelRead(msg);
    }

    private void reject(ChannelHandlerContext ctx, Rejection rejection) {
        if (inFlight == 0 && held.isEmpty()) {
            write401(ctx, rejection);
        } else {
            held.add(rejection);
        }
    }

    private void write401(ChannelHandlerContext ctx, Rejection rejection) {
        final FullHttpResponse response = HttpErrors.unauthorized();
        if (rejection.keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            closing = true;
            releaseHeld();
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        final boolean endsResponse = msg instanceof LastHttpContent && !(msg instanceof HttpResponse
                && ((HttpResponse) msg).status().codeClass() == HttpStatusClass.INFORMATIONAL);
        ctx.write(msg, promise);
        if (endsResponse && inFlight > 0) {
            inFlight--;
            drain(ctx);
        }
    }

    /** Passes on the held messages in order, stopping at a 401 that still has a response to wait for. */
    private void drain(ChannelHandlerContext ctx) {
        if (draining) {
            return; // a response written synchronously while a held request was passed on
        }
        draining = true;
        try {
            while (!held.isEmpty() && !closing) {
                final Object next = held.peek();
                if (next instanceof Rejection) {
                    if (inFlight > 0) {
                        return;
                    }
                    held.poll();
                    write401(ctx, (Rejection) next);
                } else {
                    held.poll();
                    forward(ctx, next);
                }
            }
        } finally {
            draining = false;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        removed = true;
        releaseHeld();
    }

    private void releaseHeld() {
        Object msg;
        while ((msg = held.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
        while ((msg = arrived.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * The {@code basic_auth_users} and the outcomes of past bcrypt checks, shared by all connections. Like
     * exporter-toolkit's {@code cache} (since the CVE-2022-46146 fix) an outcome is keyed by user, hash and password,
     * so a cached success never lets another password in; at {@value #CACHE_SIZE} entries about a tenth are evicted.
     * A miss runs bcrypt (tens of milliseconds at cost 10) on {@link #executor}, a few daemon threads shared by every
     * configuration, so that reloading the web config starts no threads.
     */
    public static final class Credentials {
        static final int CACHE_SIZE = 100;
        /**
         * exporter-toolkit's hash of "fakepassword", checked for unknown users so that a request's duration does not
         * tell whether the user exists.
         */
        static final String FAKE_HASH = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";
        private static final HexFormat HEX = HexFormat.of();
        private static final BCrypt.Verifyer BCRYPT = BCrypt.verifyer(BCrypt.Version.VERSION_2A,
                LongPasswordStrategies.truncate(BCrypt.Version.VERSION_2A)); // Go uses the first 72 bytes

        private final Map<String, String> users;
        private final ConcurrentHashMap<String, Boolean> cache = new ConcurrentHashMap<>();
        final Executor executor;

        public Credentials(Map<String, String> users) {
            this(users, BcryptThreads.EXECUTOR);
        }

        /** @param executor where the bcrypt checks of cache misses run */
        Credentials(Map<String, String> users, Executor executor) {
            this.users = Map.copyOf(users);
            this.executor = executor;
        }

        /** Whether there are users at all; none means no authentication. */
        public boolean enabled() {
            return !users.isEmpty();
        }

        /**
         * Whether an {@code Authorization} header value (null: none) carries a user's right password; may run
         * bcrypt.
         */
        public boolean authorized(String authorization) {
            final Attempt attempt = Attempt.of(users, authorization);
            if (attempt == null) {
                return false;
            }
            Boolean ok = cache.get(attempt.key);
            if (ok == null) {
                final boolean verified = verify(attempt.password, attempt.checkedHash); // unknown users too: same time
                ok = attempt.known && verified;
                makeRoom();
                cache.put(attempt.key, ok);
            }
            return ok;
        }

        /** The outcome for {@code authorization} if it needs no bcrypt check (malformed, or cached), else null. */
        Boolean knownOutcome(String authorization) {
            final Attempt attempt = Attempt.of(users, authorization);
            return attempt == null ? Boolean.FALSE : cache.get(attempt.key);
        }

        /** A well-formed {@code Basic} header value, with the hash it is checked against and its cache key. */
        private static final class Attempt {
            final byte[] password;
            final boolean known;
            final String checkedHash;
            final String key;

            private Attempt(byte[] password, boolean known, String checkedHash, String key) {
                this.password = password;
                this.known = known;
                this.checkedHash = checkedHash;
                this.key = key;
            }

            /** The attempt {@code authorization} makes, or null when it is not one (no header, bad base64, ...). */
            static Attempt of(Map<String, String> users, String authorization) {
                if (authorization == null) {
                    return null;
                }
                // Go's parseBasicAuth: "Basic " in any case, then standard padded base64 of "user:password"
                if (authorization.length() < 6 || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
                    return null;
                }
                final String encoded = authorization.substring(6);
                final byte[] decoded;
                try {
                    if (encoded.length() % 4 != 0) {
                        return null;
                    }
                    decoded = Base64.getDecoder().decode(encoded);
                } catch (IllegalArgumentException e) {
                    return null;
                }
                int colon = -1;
                for (int i = 0; i < decoded.length; i++) {
                    if (decoded[i] == ':') {
                        colon = i;
                        break;
                    }
                }
                if (colon < 0) {
                    return null;
                }
                final String user = new String(decoded, 0, colon, StandardCharsets.UTF_8);
                final byte[] password = Arrays.copyOfRange(decoded, colon + 1, decoded.length);
                final String hash = users.get(user);
                final String checked = hash != null ? hash : FAKE_HASH;
                final String key = HEX.formatHex(decoded, 0, colon) + ':' + HEX.formatHex(checked.getBytes(
                        StandardCharsets.UTF_8)) + ':' + HEX.formatHex(password);
                return new Attempt(password, hash != null, checked, key);
            }
        }

        private static boolean verify(byte[] password, String hash) {
            try {
                return BCRYPT.verify(password, hash.getBytes(StandardCharsets.UTF_8)).verified;
            } catch (IllegalArgumentException e) {
                return false; // a password bcrypt cannot take (e.g. empty without a terminator)
            }
        }

        private void makeRoom() {
            if (cache.size() < CACHE_SIZE) {
                return;
            }
            // the map's iteration order follows key hashes, which spread like upstream's random picks
            int toDelete = Math.max(1, cache.size() / 10);
            for (Iterator<String> it = cache.keySet().iterator(); it.hasNext() && toDelete-- >= 0; ) {
                it.next();
                it.remove();
            }
        }

        int cacheSize() {
            return cache.size();
        }
    }

    /** The daemon threads that run bcrypt checks, created on first use. */
    private static final class BcryptThreads {
        static final Executor EXECUTOR = Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("cairn-bcrypt", true));
    }
}
