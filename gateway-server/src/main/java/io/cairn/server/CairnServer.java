package io.cairn.server;

import io.cairn.core.journal.CorruptStateException;
import io.cairn.core.store.GroupStore;
import io.cairn.core.store.StoreJournal;
import io.cairn.core.store.StoreSnapshot;
import io.cairn.server.http.GatewayContext;
import io.cairn.server.auth.WebSecurity;
import io.cairn.server.http.GatewayInitializer;
import io.cairn.server.http.Limits;
import io.cairn.server.http.Routes;
import io.cairn.server.http.Switches;
import io.cairn.server.log.Log;
import io.cairn.server.selfmetrics.SelfMetrics;
import io.cairn.server.systemd.SocketActivation;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.EventExecutor;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The running gateway: the store and its writer thread, the event loops, the listeners, and an orderly stop
 * (listeners closed, in-flight requests answered, the writer's queue applied, buffers released).
 */
public final class CairnServer {
    /** How long a stop lets the event loops settle after closing the listeners, and before shutting down. */
    static final long SETTLE_MS = 100;
    /** How long a stop waits for requests already received to be answered. */
    static final long DRAIN_SECONDS = 10;
    private final Log log;
    private final GroupStore store;
    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> channelClass;
    private final GatewayContext gateway;
    private final List<Channel> listeners = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch quitRequested = new CountDownLatch(1);
    private boolean stopping;
    private final SelfMetrics selfMetrics;
    private long lastProbeNs = Long.MIN_VALUE;
    private volatile WebSecurity web = WebSecurity.NONE;
    /** When each event loop last ran a liveness probe ({@link #responsive()}), by loop. */
    private final List<AtomicLong> probedNs = new ArrayList<>();

    public CairnServer(Log log, Routes routes, Switches switches, Limits limits, Map<String, String> statusFlags,
                       Map<String, String> buildInformation, SelfMetrics selfMetrics) {
        this.log = log;
        this.selfMetrics = selfMetrics;
        this.store = new GroupStore(PooledByteBufAllocator.DEFAULT, SelfMetrics.reservedFamilies());
        final int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        if (Epoll.isAvailable()) {
            group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
            channelClass = EpollServerSocketChannel.class;
        } else {
            group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
            channelClass = NioServerSocketChannel.class;
        }
        for (int i = 0; i < threads; i++) {
            probedNs.add(new AtomicLong(System.nanoTime()));
        }
        this.store.limits(limits.maxGroups(), limits.maxSeries());
        this.gateway = new GatewayContext(store, routes, switches, limits, selfMetrics, log, statusFlags,
                buildInformation, System.currentTimeMillis(), quitRequested::countDown);
    }

    /**
     * TLS, basic auth and extra headers of {@code --web.config.file} for connections accepted from now on (a reload
     * swaps them; connections already open keep what they were accepted with).
     */
    public void web(WebSecurity web) {
        this.web = web.counting(selfMetrics::countTlsHandshakeFailure, selfMetrics::countUnauthorized);
    }

    public WebSecurity web() {
        return web;
    }

    /** Starts the writer and binds every address; throws when one cannot be bound. */
    public void start(List<InetSocketAddress> addresses) throws InterruptedException {
        start(new Listeners(addresses, List.of()));
    }

    /** Starts the writer and opens every listener; throws when one cannot be opened. */
    public void start(Listeners listeners) throws InterruptedException {
        store.start();
        bind(listeners);
    }

    /** {@link #start(Listeners, StoreJournal)} on addresses only. */
    public void start(List<InetSocketAddress> addresses, StoreJournal journal)
            throws InterruptedException, IOException, CorruptStateException {
        start(new Listeners(addresses, List.of()), journal);
    }

    /**
     * Binds every address, then restores the store from {@code journal} while {@code /-/ready} answers 503
     * (and scrapes too: an empty exposition would make Prometheus drop every series), then starts the writer.
     * Pushes received while loading wait in the queue and are applied after it.
     */
    public void start(Listeners listeners, StoreJournal journal)
            throws InterruptedException, IOException, CorruptStateException {
        gateway.ready(false);
        bind(listeners);
        store.load(journal);
        store.start();
        gateway.ready(true);
    }

    private void bind(Listeners toOpen) throws InterruptedException {
        final ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(new GatewayInitializer(gateway, this::web));
        for (InetSocketAddress address : toOpen.addresses()) {
            final Channel channel = bootstrap.clone().channel(channelClass).bind(address).sync().channel();
            listeners.add(channel);
            log.info("listening on address", "address", display((InetSocketAddress) channel.localAddress()));
        }
        for (int fd : toOpen.inheritedFds()) {
            if (channelClass != EpollServerSocketChannel.class) {
                throw new IllegalStateException("a socket passed by systemd needs the epoll transport, which is"
                        + " unavailable: " + Epoll.unavailabilityCause());
            }
            try {
                SocketActivation.nonBlocking(fd);
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            // already bound and listening (by systemd): registering it with a loop starts accepting
            final ChannelFactory<ServerChannel> inherited = () -> new EpollServerSocketChannel(fd);
            final Channel channel = bootstrap.clone().channelFactory(inherited).register().sync().channel();
            listeners.add(channel);
            log.info("listening on address", "address", display((InetSocketAddress) channel.localAddress()),
                    "fd", fd);
        }
    }

    /** Number of groups in the store now. */
    public int groupCount() {
        try (StoreSnapshot snapshot = store.acquire()) {
            return snapshot.groupCount();
        }
    }

    /**
     * For the systemd watchdog, called at its interval: true when every event loop ran the probe this method gave
     * it on the previous call (so a loop stuck in a task for a whole interval makes it false), and while stopping.
     */
    public boolean responsive() {
        if (stopRequested() || group.isShuttingDown()) {
            return true; // the stop is bounded and has told systemd (STOPPING=1)
        }
        final long sinceNs = System.nanoTime();
        boolean all = true;
        int i = 0;
        for (EventExecutor loop : group) {
            final AtomicLong probed = probedNs.get(i++);
            all &= probed.get() >= lastProbeNs;
            try {
                loop.execute(() -> probed.set(System.nanoTime()));
            } catch (RejectedExecutionException e) {
                return true; // shutting down since the check above
            }
        }
        lastProbeNs = sinceNs;
        return all;
    }

    /** Asks {@link #awaitQuitOrStop()} to return, as {@code /-/quit} does; for signals. */
    public void requestStop() {
        quitRequested.countDown();
    }

    /** Whether {@code /-/quit} or {@link #requestStop()} asked for a stop. */
    public boolean stopRequested() {
        return quitRequested.getCount() == 0;
    }

    /** {@code 127.0.0.1:9091}, {@code [::]:9091}: an address as an operator writes it in a flag. */
    static String display(InetSocketAddress address) {
        final String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** The bound addresses (with the actual port when 0 was asked). */
    public List<InetSocketAddress> boundAddresses() {
        final List<InetSocketAddress> addresses = new ArrayList<>();
        for (Channel channel : listeners) {
            addresses.add((InetSocketAddress) channel.localAddress());
        }
        return addresses;
    }

    public GroupStore store() {
        return store;
    }

    /** Blocks until {@code /-/quit} is requested or {@link #stop()} has run. */
    public void awaitQuitOrStop() throws InterruptedException {
        while (!quitRequested.await(100, TimeUnit.MILLISECONDS)) {
            if (stopped.getCount() == 0) {
                return;
            }
        }
    }

    /**
     * Stops listening, answers the requests already received (up to {@value #DRAIN_SECONDS} s; their answers close
     * the connection), closes the connections, applies what is queued and releases the store.
     */
    public void stop() {
        synchronized (this) {
            if (stopping) {
                awaitStopped();
                return;
            }
            stopping = true;
        }
        try {
            gateway.beginStop();
            for (Channel channel : listeners) {
                channel.close().syncUninterruptibly();
            }
            // connections accepted just before the listeners closed may not be registered or read yet: give the
            // event loops a moment, so that a request whose head is already on the wire counts as in flight
            sleepMs(SETTLE_MS);
            // let requests already received finish (pushes wait for the writer, which still runs)
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS);
            while (gateway.inFlight() > 0 && System.nanoTime() < deadline) {
                sleepMs(10);
            }
            if (gateway.inFlight() > 0) {
                log.warn("stopping with requests still unanswered", "requests", gateway.inFlight());
            }
            gateway.closeConnections();
            // the quiet period lets late registrations run, so that the loops close every channel they own
            group.shutdownGracefully(SETTLE_MS, 5_000, TimeUnit.MILLISECONDS).syncUninterruptibly();
            store.close();
        } finally {
            stopped.countDown();
        }
    }

    private static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitStopped() {
        try {
            stopped.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
