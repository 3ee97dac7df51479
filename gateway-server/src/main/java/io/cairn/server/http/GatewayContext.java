package io.cairn.server.http;

import io.cairn.core.store.GroupStore;
import io.cairn.server.log.Log;
import io.cairn.server.selfmetrics.SelfMetrics;
import io.cairn.server.web.WebAssets;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every connection's handler shares: the store, the routes, the switches from the flags, the self metrics
 * and the log. Immutable apart from the objects it points to, which are thread-safe.
 */
public final class GatewayContext {
    final GroupStore store;
    final Routes routes;
    final boolean enableLifecycle;
    final boolean enableAdminApi;
    final boolean checkConsistency;
    final boolean utf8Names;
    final boolean openMetrics;
    final Limits limits;
    final SelfMetrics selfMetrics;
    final Log log;
    final Map<String, String> statusFlags;
    final Map<String, String> buildInformation;
    final long startTimeMs;
    final Runnable quit;
    final WebAssets webAssets = WebAssets.load();
    final UiJson uiJson;
    volatile boolean ready = true;
    /** Set when the gateway stops: answers close their connections. */
    volatile boolean stopping;
    /**
     * Where answers that read the whole store (the JSON API's metrics, the web UI's listings) are built: a few daemon
     * threads shared by all connections, so that a large store never holds up an event loop. Tests may run them on
     * the calling thread.
     */
    volatile Executor storeReaders = StoreReaderThreads.EXECUTOR;
    /** Requests received and not yet answered, for an orderly stop. */
    final AtomicInteger inFlight = new AtomicInteger();
    /** Open client connections, closed at the end of an orderly stop. */
    final ChannelGroup connections = new DefaultChannelGroup("cairn-connections", GlobalEventExecutor.INSTANCE);

    public GatewayContext(GroupStore store, Routes routes, Switches switches, Limits limits, SelfMetrics selfMetrics,
                          Log log, Map<String, String> statusFlags, Map<String, String> buildInformation,
                          long startTimeMs, Runnable quit) {
        this.store = store;
        this.routes = routes;
        this.enableLifecycle = switches.enableLifecycle();
        this.enableAdminApi = switches.enableAdminApi();
        this.checkConsistency = switches.checkConsistency();
        this.utf8Names = switches.utf8Names();
        this.openMetrics = switches.openMetrics();
        this.uiJson = new UiJson(utf8Names, enableAdminApi);
        this.limits = limits;
        this.selfMetrics = selfMetrics;
        this.log = log;
        this.statusFlags = statusFlags;
        this.buildInformation = buildInformation;
        this.startTimeMs = startTimeMs;
        this.quit = quit;
    }

    /** Stops accepting new requests on kept-alive connections: answers from now on close the connection. */
    public void beginStop() {
        stopping = true;
    }

    /** Requests received and not yet answered. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Closes every client connection; the last step of an orderly stop. */
    public void closeConnections() {
        connections.close().awaitUninterruptibly(5_000);
    }

    /** Marks the gateway ready (or not, while it loads): {@code /-/ready} answers 503 until then. */
    public void ready(boolean ready) {
        this.ready = ready;
    }

    /** The threads behind {@link #storeReaders}, created on first use. */
    private static final class StoreReaderThreads {
        static final Executor EXECUTOR = Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors() / 2),
                new DefaultThreadFactory("cairn-store-reader", true));
    }
}
