package io.cairn.server.http;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.GroupingKeyException;
import io.cairn.core.model.GroupingKeyPathDecoder;
import io.cairn.core.model.PushContent;
import io.cairn.core.proto.DelimitedDecoder;
import io.cairn.core.render.PushEncoder;
import io.cairn.core.store.StoreCommand;
import io.cairn.core.text.TextFormatParser;
import io.cairn.server.web.WebAssets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * Routes and answers the requests of one connection. Push bodies stream through {@link PushBody} chunk by chunk;
 * the push is then handed to the store writer and answered when the writer has applied it. While a request waits
 * for the writer, later pipelined messages of the connection wait in order behind it.
 */
public final class GatewayHandler extends ChannelInboundHandlerAdapter {
    private static final String PUSH_METHODS = "DELETE, OPTIONS, POST, PUT";
    private static final String GET_METHODS = "GET, OPTIONS";
    private static final String QUIT_METHODS = "OPTIONS, POST, PUT";
    private static final String WIPE_METHODS = "OPTIONS, PUT";
    private static final String JSON = "application/json";
    /** Messages of pipelined requests held while a push waits for the writer, before reading pauses. */
    static final int MAX_PENDING_MESSAGES = 64;

    private final GatewayContext gateway;
    private final TextFormatParser textParser;
    private final DelimitedDecoder protobufDecoder = new DelimitedDecoder(DelimitedDecoder.DEFAULT_MAX_MESSAGE_BYTES);
    private final PushContent content = new PushContent();
    private final PushEncoder encoder = new PushEncoder();
    private final ArrayDeque<Object> pending = new ArrayDeque<>();

    private ChannelHandlerContext ctx;
    /** What to do with the body of the current request. */
    private Exchange exchange;
    /** The current request waits for the store writer; later messages queue up. */
    private boolean waiting;

    /** The request being received. */
    private static final class Exchange {
        final HttpMethod method;
        boolean keepAlive;
        final long startNs = System.nanoTime();
        /** The push being received, or null. */
        PushBody push;
        GroupingKey key;
        /** The response decided at the head of the request, sent once the body is consumed. */
        FullHttpResponse early;
        /** The self-metrics handler label, or null when not counted. */
        String handler;
        /** For DELETE, wipe and quit: run at the end of the body. */
        Runnable action;
        /** The client accepts a gzip-compressed scrape. */
        boolean gzip;
        /** The format a scrape is answered in. */
        ScrapeResponder.Answer answer;
        /** Counted in {@link GatewayContext#inFlight} until answered. */
        boolean counted;
        /** The lifecycle API asked the gateway to stop once this answer is out. */
        boolean quitAfterAnswer;
        /** For a push: client_golang's approximate request size, observed with the push's duration. */
        long requestSize;

        Exchange(HttpMethod method, boolean keepAlive) {
            this.method = method;
            this.keepAlive = keepAlive;
        }

        void keepAliveOff() {
            keepAlive = false;
        }
    }

    public GatewayHandler(GatewayContext gateway) {
        this.gateway = gateway;
        this.textParser = new TextFormatParser(gateway.utf8Names);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (waiting) {
            pending.add(msg);
            if (pending.size() >= MAX_PENDING_MESSAGES && ctx.channel().config().isAutoRead()) {
                // a client pipelining far ahead: leave the rest in the socket until the queue is worked off (checked
                // on every message: the authentication handler in front may have resumed reading meanwhile)
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        handle(msg);
    }

    private void handle(Object msg) {
        try {
            if (msg instanceof HttpRequest) {
                final HttpRequest request = (HttpRequest) msg;
                startRequest(request);
                if (request.decoderResult().isFailure() && !(msg instanceof LastHttpContent)) {
                    // the codec gives up on this connection (a header block beyond the limit): no body follows
                    endRequest();
                    return;
                }
            }
            if (msg instanceof HttpContent && exchange != null) {
                final HttpContent chunk = (HttpContent) msg;
                if (exchange.push != null) {
                    exchange.push.feed(chunk.content());
                }
                if (chunk instanceof LastHttpContent) {
                    endRequest();
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    // ------------------------------------------------------------------ routing

    private void startRequest(HttpRequest request) {
        final boolean keepAlive = HttpUtil.isKeepAlive(request);
        final Exchange ex = new Exchange(request.method(), keepAlive && !gateway.stopping);
        exchange = ex;
        ex.counted = true;
        gateway.inFlight.incrementAndGet();
        if (request.decoderResult().isFailure()) {
            final Throwable cause = request.decoderResult().cause();
            if (cause instanceof TooLongHttpLineException || cause instanceof TooLongHttpHeaderException) {
                // as Go's net/http: 431 for a header block beyond the limit; a URL beyond it is named as such
                gateway.selfMetrics.countLimitRejection("web.max-header-bytes");
                ex.early = cause instanceof TooLongHttpLineException
                        ? HttpErrors.error(HttpResponseStatus.REQUEST_URI_TOO_LONG, "414 URI Too Long")
                        : HttpErrors.error(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                                "431 Request Header Fields Too Large");
                ex.keepAliveOff();
                return;
            }
            ex.early = HttpErrors.error(HttpResponseStatus.BAD_REQUEST, "400 Bad Request");
            return;
        }
        if (HttpUtil.is100ContinueExpected(request)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        ex.gzip = ScrapeResponder.acceptsGzip(request.headers().get(HttpHeaderNames.ACCEPT_ENCODING));
        final String uri = request.uri();
        final int q = uri.indexOf('?');
        final String rawPath = q < 0 ? uri : uri.substring(0, q);
        final String path = PercentDecoder.decode(rawPath);
        if (path == null || !path.startsWith("/")) {
            ex.early = HttpErrors.error(HttpResponseStatus.BAD_REQUEST, "400 Bad Request");
            return;
        }
        final String cleaned = Routes.cleanIfNeeded(path);
        if (cleaned != null) {
            ex.early = HttpErrors.redirect(Routes.escapePath(cleaned)
                    + (q < 0 ? "" : Routes.escapeControls(uri.substring(q))), isGet(ex.method));
            return;
        }
        route(ex, request, rawPath, path);
    }

    private void route(Exchange ex, HttpRequest request, String rawPath, String path) {
        final Routes routes = gateway.routes;
        final HttpMethod method = ex.method;
        if (path.startsWith(routes.pushJob) || path.startsWith(routes.pushJobBase64)) {
            routePush(ex, request, rawPath, path);
        } else if (path.equals(routes.telemetryPath)) {
            if (!gateway.ready && isGet(method)) {
                // loading the persisted state: an empty exposition would make Prometheus drop every series
                ex.early = HttpErrors.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "Service Unavailable");
            } else if (isGet(method)) {
                ex.answer = ScrapeResponder.negotiate(request.headers().get(HttpHeaderNames.ACCEPT),
                        gateway.openMetrics);
                ex.action = this::scrape;
            } else {
                ex.early = HttpErrors.methodNotAllowed(GET_METHODS);
            }
        } else if (path.equals(routes.healthy) || path.equals(routes.ready)) {
            if (isGet(method)) {
                final boolean healthy = path.equals(routes.healthy);
                ex.handler = healthy ? "healthy" : "ready";
                ex.early = healthy || gateway.ready ? HttpErrors.text(HttpResponseStatus.OK, "OK")
                        : HttpErrors.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "Service Unavailable");
            } else {
                ex.early = HttpErrors.methodNotAllowed(GET_METHODS);
            }
        } else if (path.equals(routes.quit) || path.equals("/-/quit")) {
            routeQuit(ex, path);
        } else if (path.startsWith(routes.apiV1)) {
            routeApi(ex, path.substring(routes.apiV1.length()));
        } else if (path.startsWith(routes.uiApi)) {
            routeUiApi(ex, request, rawPath, path);
        } else if (path.equals(routes.root) || path.equals(routes.status)) {
            routeWebFile(ex, request, "status", WebAssets.PAGE);
        } else if (path.startsWith(routes.staticFiles)
                && gateway.webAssets.has(path.substring(routes.staticFiles.length()))) {
            routeWebFile(ex, request, "static", path.substring(routes.staticFiles.length()));
        } else {
            ex.early = HttpErrors.notFound();
        }
    }

    private void routePush(Exchange ex, HttpRequest request, String rawPath, String path) {
        final HttpMethod method = ex.method;
        final boolean delete = HttpMethod.DELETE.equals(method);
        if (!delete && !HttpMethod.PUT.equals(method) && !HttpMethod.POST.equals(method)) {
            ex.early = HttpErrors.methodNotAllowed(PUSH_METHODS);
            return;
        }
        final String jobPrefix = gateway.routes.prefix + "/metrics/job";
        final String remainder = rawPath.startsWith(jobPrefix) ? rawPath.substring(jobPrefix.length())
                : path.substring(jobPrefix.length());
        ex.handler = delete ? "delete" : "push";
        ex.requestSize = delete ? 0 : approximateRequestSize(request);
        try {
            ex.key = GroupingKeyPathDecoder.decode(remainder, gateway.utf8Names);
        } catch (GroupingKeyException e) {
            ex.early = HttpErrors.forPath(e, path, isGet(ex.method));
            if (e.kind() != GroupingKeyException.Kind.BAD_REQUEST) {
                ex.handler = null; // answered by the router upstream, not by the push handler
            }
            gateway.log.debug("failed to parse URL", "url", rawPath, "err", e.getMessage());
            return;
        }
        if (delete) {
            ex.action = this::delete;
            return;
        }
        // delimited protobuf when the Content-Type says so exactly, as upstream decides; text otherwise
        final boolean protobuf = ProtobufMediaType.isDelimitedMetricFamily(
                request.headers().get(HttpHeaderNames.CONTENT_TYPE));
        ex.push = PushBody.start(protobuf ? protobufDecoder : textParser, content,
                request.headers().get(HttpHeaderNames.CONTENT_ENCODING), gateway.limits.maxBodyBytes());
    }

    private void routeQuit(Exchange ex, String path) {
        final HttpMethod method = ex.method;
        final boolean prefixed = path.equals(gateway.routes.quit);
        if (prefixed && (HttpMethod.PUT.equals(method) || HttpMethod.POST.equals(method))) {
            if (gateway.enableLifecycle) {
                ex.early = HttpErrors.text(HttpResponseStatus.OK, "Requesting termination... Goodbye!");
                ex.quitAfterAnswer = true;
            } else {
                ex.early = HttpErrors.text(HttpResponseStatus.FORBIDDEN, "Lifecycle API is not enabled.");
            }
        } else if (path.equals("/-/quit") && HttpMethod.GET.equals(method)) {
            ex.early = HttpErrors.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "Only POST or PUT requests allowed.");
        } else if (prefixed) {
            ex.early = HttpErrors.methodNotAllowed(QUIT_METHODS);
        } else {
            ex.early = HttpErrors.notFound();
        }
    }

    private void routeApi(Exchange ex, String rest) {
        final HttpMethod method = ex.method;
        if (HttpMethod.OPTIONS.equals(method)) {
            ex.handler = "api/v1/options";
            ex.early = cors(HttpErrors.empty(HttpResponseStatus.OK));
            return;
        }
        switch (rest) {
            case "status":
            case "metrics":
                if (rest.equals("metrics") && !gateway.ready && isGet(method)) {
                    // loading the persisted state: a partial list of groups would look like lost pushes
                    ex.handler = "api/v1/metrics";
                    ex.early = HttpErrors.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "Service Unavailable");
                } else if (isGet(method)) {
                    ex.handler = "api/v1/" + rest;
                    ex.action = rest.equals("status") ? this::apiStatus : this::apiMetrics;
                } else {
                    ex.early = HttpErrors.methodNotAllowed(GET_METHODS);
                }
                return;
            case "admin/wipe":
                if (!gateway.enableAdminApi) {
                    ex.early = HttpErrors.notFound();
                } else if (HttpMethod.PUT.equals(method)) {
                    ex.handler = "wipe";
                    ex.action = this::wipe;
                } else {
                    ex.early = HttpErrors.methodNotAllowed(WIPE_METHODS);
                }
                return;
            default:
                ex.early = HttpErrors.notFound();
        }
    }

    private void routeWebFile(Exchange ex, HttpRequest request, String handler, String name) {
        if (isGet(ex.method)) {
            ex.handler = handler;
            ex.early = gateway.webAssets.respond(name, request.headers().get(HttpHeaderNames.IF_NONE_MATCH));
        } else {
            ex.early = HttpErrors.methodNotAllowed(GET_METHODS);
        }
    }

    /** The web UI's JSON: {@code groups} (one page of groups) and {@code groups/job/...} (one group). */
    private void routeUiApi(Exchange ex, HttpRequest request, String rawPath, String path) {
        if (!isGet(ex.method)) {
            ex.early = HttpErrors.methodNotAllowed(GET_METHODS);
            return;
        }
        final String rest = path.substring(gateway.routes.uiApi.length());
        final Map<String, List<String>> query;
        try {
            query = new QueryStringDecoder(request.uri()).parameters();
        } catch (IllegalArgumentException e) {
            ex.early = HttpErrors.badRequest("invalid query: " + e.getMessage());
            return;
        }
        if (rest.equals("groups")) {
            final int offset = intParameter(query, "offset", 0, Integer.MAX_VALUE);
            final int limit = intParameter(query, "limit", UiJson.DEFAULT_LIMIT, UiJson.MAX_LIMIT);
            if (offset < 0 || limit <= 0) {
                ex.early = HttpErrors.badRequest("offset must be a number of at least 0 and limit one from 1 to "
                        + UiJson.MAX_LIMIT);
                return;
            }
            final List<String> filter = query.get("filter");
            ex.handler = "ui/groups";
            ex.action = () -> uiGroups(filter == null ? "" : filter.get(0), offset, limit);
        } else if (rest.startsWith("groups/job")) {
            final int limit = intParameter(query, "limit", UiJson.DEFAULT_SERIES, UiJson.MAX_SERIES);
            if (limit <= 0) {
                ex.early = HttpErrors.badRequest("limit must be a number from 1 to " + UiJson.MAX_SERIES);
                return;
            }
            final String jobPrefix = gateway.routes.uiApi + "groups/job";
            final String remainder = rawPath.startsWith(jobPrefix) ? rawPath.substring(jobPrefix.length())
                    : path.substring(jobPrefix.length());
            final GroupingKey key;
            try {
                key = GroupingKeyPathDecoder.decode(remainder, gateway.utf8Names);
            } catch (GroupingKeyException e) {
                ex.early = HttpErrors.badRequest(e.getMessage());
                return;
            }
            ex.handler = "ui/group";
            ex.action = () -> uiGroup(key, limit);
        } else {
            ex.early = HttpErrors.notFound();
        }
    }

    /** The parameter as a number up to {@code max}, {@code fallback} when absent, -1 when not such a number. */
    private static int intParameter(Map<String, List<String>> query, String name, int fallback, int max) {
        final List<String> values = query.get(name);
        if (values == null || values.get(0).isEmpty()) {
            return fallback;
        }
        final String value = values.get(0);
        if (value.length() > 10 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        final long n = Long.parseLong(value);
        return n > max ? -1 : (int) n;
    }

    private static boolean isGet(HttpMethod method) {
        return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method);
    }

    // ------------------------------------------------------------------ actions at the end of the body

    private void endRequest() {
        final Exchange ex = exchange;
        if (ex.early != null) {
            if (ex.push != null) {
                ex.push.release();
            }
            final FullHttpResponse response = ex.early;
            ex.early = null;
            if (ex.quitAfterAnswer) {
                respond(ex, response).addListener(f -> gateway.quit.run());
                return;
            }
            respond(ex, response);
            return;
        }
        if (ex.push != null) {
            endPush(ex);
        } else if (ex.action != null) {
            ex.action.run();
        } else {
            respond(ex, HttpErrors.notFound());
        }
    }

    private void endPush(Exchange ex) {
        final PushBody body = ex.push;
        body.finish();
        body.release();
        final String method = ex.method.name();
        if (body.tooLarge()) {
            refuse(ex, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "push.max-body-bytes", body.error());
            content.reset();
            return;
        }
        if (body.error() != null) {
            gateway.log.debug("failed to parse text", "source", remote(), "method", method, "key",
                    ex.key.toString(), "err", body.error());
            respond(ex, HttpErrors.badRequest(body.error()));
            return;
        }
        final String[] overLimit = PushLimits.check(content, ex.key, gateway.limits);
        if (overLimit != null) {
            refuse(ex, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, overLimit[0], overLimit[1]);
            content.reset();
            return;
        }
        final PushEncoder.EncodedPush encoded = encoder.encode(ex.key, content, gateway.store.allocator());
        content.reset();
        final long timeNs = nowNs();
        final boolean replace = HttpMethod.PUT.equals(ex.method);
        if (!gateway.checkConsistency) {
            // as upstream with --push.disable-consistency-check: answer 202 once queued. The writer still checks
            // and rejects an inconsistent push (recording its failure time), so the store never turns invalid.
            final StoreCommand command = StoreCommand.push(ex.key, replace, encoded, timeNs,
                    error -> logRejected(error, ex.key, method));
            if (offer(ex, command)) {
                respond(ex, HttpErrors.empty(HttpResponseStatus.ACCEPTED));
            }
            return;
        }
        final StoreCommand command = StoreCommand.push(ex.key, replace, encoded, timeNs,
                error -> ctx.executor().execute(() -> pushApplied(ex, error)));
        if (offer(ex, command)) {
            waiting = true;
        }
    }

    private void pushApplied(Exchange ex, String error) {
        waiting = false;
        if (StoreCommand.isStoreFull(error)) {
            refuse(ex, HttpResponseStatus.TOO_MANY_REQUESTS,
                    error.contains("--store.max-groups") ? "store.max-groups" : "store.max-series", error);
        } else if (StoreCommand.isStorageFailure(error)) {
            // logged by the store; the push is in memory but would not survive a restart
            respond(ex, HttpErrors.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, error));
        } else if (error != null) {
            logRejected(error, ex.key, ex.method.name());
            respond(ex, HttpErrors.badRequest(
                    "pushed metrics are invalid or inconsistent with existing metrics: " + error));
        } else {
            respond(ex, HttpErrors.empty(HttpResponseStatus.OK));
        }
        drainPending();
    }

    /** Answers a request refused by a limit: the status, the message naming it, and the count of refusals. */
    private void refuse(Exchange ex, HttpResponseStatus status, String flag, String message) {
        gateway.selfMetrics.countLimitRejection(flag);
        // debug: the counter tells operators; a client hammering a limit must not flood the log
        gateway.log.debug("request refused by a limit", "limit", "--" + flag, "source", remote(), "key",
                ex.key == null ? "" : ex.key.toString(), "err", message);
        respond(ex, HttpErrors.error(status, message));
    }

    private void logRejected(String error, GroupingKey key, String method) {
        if (error != null) {
            gateway.log.info("pushed metrics are invalid or inconsistent with existing metrics", "method", method,
                    "source", remote(), "key", key.toString(), "err", error);
        }
    }

    /**
     * client_golang's {@code computeApproximateRequestSize}, which the Pushgateway observes for every push: the URL,
     * method, protocol, each header name once with all its values, the host, and the declared body length (none for
     * a chunked body). As Go's server, {@code Host} and {@code Transfer-Encoding} are not among the headers.
     */
    static long approximateRequestSize(HttpRequest request) {
        long size = request.uri().length() + request.method().name().length()
                + request.protocolVersion().text().length();
        final HttpHeaders headers = request.headers();
        final Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER); // Go's canonical keys
        names.addAll(headers.names());
        for (String name : names) {
            if (name.equalsIgnoreCase("host") || name.equalsIgnoreCase("transfer-encoding")) {
                continue;
            }
            size += name.length();
            for (String value : headers.getAll(name)) {
                size += value.length();
            }
        }
        final String host = headers.get(HttpHeaderNames.HOST);
        size += host == null ? 0 : host.length();
        if (!HttpUtil.isTransferEncodingChunked(request)) {
            size += Math.max(0, HttpUtil.getContentLength(request, 0L));
        }
        return size;
    }

    private void delete() {
        final Exchange ex = exchange;
        final StoreCommand command = StoreCommand.delete(ex.key, nowNs(), null);
        if (offer(ex, command)) {
            respond(ex, HttpErrors.empty(HttpResponseStatus.ACCEPTED));
        }
    }

    private void wipe() {
        final Exchange ex = exchange;
        if (offer(ex, StoreCommand.wipe(nowNs(), null))) {
            gateway.log.info("wiping the whole store", "source", remote());
            respond(ex, HttpErrors.empty(HttpResponseStatus.ACCEPTED));
        }
    }

    /** Offers a command to the store; answers 503 when the queue is full. */
    private boolean offer(Exchange ex, StoreCommand command) {
        if (gateway.store.offer(command)) {
            return true;
        }
        command.release();
        gateway.log.warn("write queue is full, answering 503", "source", remote());
        respond(ex, HttpErrors.queueFull());
        return false;
    }

    private void scrape() {
        final Exchange ex = exchange;
        final ChannelFuture done = ScrapeResponder.respond(ctx, gateway, ex.answer, HttpMethod.HEAD.equals(ex.method),
                ex.gzip, ex.keepAlive);
        afterResponse(ex, done);
    }

    private void apiStatus() {
        final Exchange ex = exchange;
        final ByteBuf body = ApiJson.status(gateway.statusFlags, gateway.startTimeMs, gateway.buildInformation,
                ctx.alloc());
        respond(ex, cors(json(body)));
    }

    private void apiMetrics() {
        offload(exchange, alloc -> {
            try (io.cairn.core.store.StoreSnapshot snapshot = gateway.store.acquire()) {
                return cors(json(ApiJson.metrics(snapshot, alloc)));
            }
        });
    }

    private void uiGroups(String filter, int offset, int limit) {
        offload(exchange, alloc -> {
            try (io.cairn.core.store.StoreSnapshot snapshot = gateway.store.acquire()) {
                return uncached(json(gateway.uiJson.groups(snapshot, filter, offset, limit, alloc)));
            }
        });
    }

    private void uiGroup(GroupingKey key, int maxSeries) {
        offload(exchange, alloc -> {
            final ByteBuf body;
            try (io.cairn.core.store.StoreSnapshot snapshot = gateway.store.acquire()) {
                body = gateway.uiJson.group(snapshot, key, maxSeries, alloc);
            }
            return body == null ? HttpErrors.error(HttpResponseStatus.NOT_FOUND, "no group with grouping key " + key)
                    : uncached(json(body));
        });
    }

    /**
     * Builds the answer to {@code ex} on the store readers ({@link GatewayContext#storeReaders}), not on the event
     * loop: it reads the whole store, which takes long at 100k groups. Later requests on the connection wait, as
     * behind a push waiting for the writer.
     */
    private void offload(Exchange ex, Function<ByteBufAllocator, FullHttpResponse> answer) {
        waiting = true;
        final ByteBufAllocator alloc = ctx.alloc();
        try {
            gateway.storeReaders.execute(() -> {
                FullHttpResponse response;
                try {
                    response = answer.apply(alloc);
                } catch (RuntimeException e) {
                    gateway.log.error("cannot build an answer from the store", "err", String.valueOf(e));
                    response = HttpErrors.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error");
                }
                final FullHttpResponse built = response;
                if (ctx.executor().inEventLoop()) {
                    offloaded(ex, built);
                } else {
                    try {
                        ctx.executor().execute(() -> offloaded(ex, built));
                    } catch (RejectedExecutionException e) {
                        built.release(); // the event loop is shutting down with its connections
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            offloaded(ex, HttpErrors.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "Service Unavailable"));
        }
    }

    private void offloaded(Exchange ex, FullHttpResponse response) {
        waiting = false;
        respond(ex, response); // on a closed connection the write fails and releases the response
        drainPending();
    }

    private static FullHttpResponse uncached(FullHttpResponse response) {
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return response;
    }

    private static FullHttpResponse json(ByteBuf body) {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return response;
    }

    private static FullHttpResponse cors(FullHttpResponse response) {
        response.headers()
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*")
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, DELETE, OPTIONS")
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Accept, Authorization, Content-Type, Origin")
                .set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, "Date")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache, no-store, must-revalidate");
        return response;
    }

    // ------------------------------------------------------------------ responses

    private ChannelFuture respond(Exchange ex, FullHttpResponse response) {
        if (HttpMethod.HEAD.equals(ex.method)) {
            response.content().clear();
        }
        if (ex.handler != null) {
            gateway.selfMetrics.countRequest(ex.handler, response.status().code(), ex.method.name());
            if (ex.handler.equals("push")) { // every push, accepted or not, as upstream observes them
                gateway.selfMetrics.observePush(ex.method.name(), (System.nanoTime() - ex.startNs) / 1e9,
                        ex.requestSize);
            }
        }
        if (!ex.keepAlive || gateway.stopping) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ex.keepAliveOff();
        }
        final ChannelFuture done = ctx.writeAndFlush(response);
        afterResponse(ex, done);
        return done;
    }

    private void afterResponse(Exchange ex, ChannelFuture done) {
        if (exchange == ex) {
            exchange = null;
        }
        uncount(ex);
        if (!ex.keepAlive) {
            done.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void uncount(Exchange ex) {
        if (ex.counted) {
            ex.counted = false;
            gateway.inFlight.decrementAndGet();
        }
    }

    private void drainPending() {
        Object msg;
        while (!waiting && (msg = pending.poll()) != null) {
            handle(msg);
        }
        if (pending.isEmpty() && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private String remote() {
        return String.valueOf(ctx.channel().remoteAddress());
    }

    private static long nowNs() {
        final java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Object msg;
        while ((msg = pending.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
        if (exchange != null) {
            if (exchange.push != null) {
                exchange.push.release();
            }
            if (!waiting) {
                uncount(exchange); // a request waiting for the writer or a store reader is uncounted when answered
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        gateway.log.warn("closing connection after an unexpected error", "source", remote(), "err",
                String.valueOf(cause));
        ctx.close();
    }
}
