package io.cairn.server.systemd;

import io.cairn.server.log.Log;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code sd_notify(3)} for a {@code Type=notify} service: {@code READY=1} once the persisted metrics are loaded and
 * the listeners accept, {@code STOPPING=1} when a stop begins, {@code STATUS=} lines for {@code systemctl status},
 * and {@code WATCHDOG=1} every {@code WATCHDOG_USEC}/2 when the unit sets {@code WatchdogSec=} (and
 * {@code WATCHDOG_PID}, when set, is this process) and the gateway passes its liveness check.
 *
 * <p>Each message is one datagram to the {@code AF_UNIX} socket named by {@code NOTIFY_SOCKET}: a path, or an abstract
 * name when it starts with {@code @}. They are sent from a channel of Netty's epoll transport on an event loop of its
 * own, so that watchdog pings do not depend on the gateway's loops being idle. Without {@code NOTIFY_SOCKET}, or
 * without epoll, every method does nothing.
 */
public final class SystemdNotifier implements AutoCloseable {
    /** Does nothing: not started by systemd, or no epoll. */
    public static final SystemdNotifier NONE = new SystemdNotifier(null, null, null, null);
    /** How long {@link #stopping()} waits for its datagram to leave before the stop goes on without it. */
    static final long SEND_TIMEOUT_MS = 1_000;

    private final Log log;
    private final EventLoopGroup group;
    private final Channel channel;
    private final DomainSocketAddress socket;
    private volatile BooleanSupplier alive = () -> true;

    private SystemdNotifier(Log log, EventLoopGroup group, Channel channel, DomainSocketAddress socket) {
        this.log = log;
        this.group = group;
        this.channel = channel;
        this.socket = socket;
    }

    /**
     * The notifier systemd asks for through {@code env} ({@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC},
     * {@code WATCHDOG_PID}); {@link #NONE} when it asks for none or when it cannot be reached.
     */
    public static SystemdNotifier fromEnvironment(Map<String, String> env, long pid, Log log) {
        final String name = env.getOrDefault("NOTIFY_SOCKET", "");
        if (name.isEmpty()) {
            log.debug("NOTIFY_SOCKET is not set; not notifying systemd");
            return NONE;
        }
        if (name.charAt(0) != '/' && name.charAt(0) != '@') {
            log.debug("NOTIFY_SOCKET is neither a path nor an abstract socket name; not notifying systemd",
                    "socket", name);
            return NONE;
        }
        if (!Epoll.isAvailable()) {
            log.debug("the epoll transport is unavailable; not notifying systemd", "err",
                    String.valueOf(Epoll.unavailabilityCause()));
            return NONE;
        }
        // sd_notify: a leading '@' names a socket in the abstract namespace, whose name starts with a NUL byte
        final DomainSocketAddress socket = new DomainSocketAddress(name.charAt(0) == '@' ? "\0" + name.substring(1)
                : name);
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("cairn-systemd", true),
                EpollIoHandler.newFactory());
        // connected, so that the channel is active; each datagram still names its recipient, as sd_notify's do
        final ChannelFuture connected = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(socket).awaitUninterruptibly();
        if (!connected.isSuccess()) {
            log.debug("cannot reach NOTIFY_SOCKET; not notifying systemd", "socket", name, "err",
                    String.valueOf(connected.cause()));
            connected.channel().close();
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            return NONE;
        }
        final Channel channel = connected.channel();
        final SystemdNotifier notifier = new SystemdNotifier(log, group, channel, socket);
        final long watchdogUs = watchdogUs(env, pid);
        if (watchdogUs > 0) {
            log.debug("sending systemd watchdog keep-alives", "interval_ms", watchdogUs / 2_000);
            channel.eventLoop().scheduleAtFixedRate(notifier::watchdog, 0, watchdogUs / 2, TimeUnit.MICROSECONDS);
        }
        return notifier;
    }

    /** {@code WATCHDOG_USEC}, or 0 when unset, malformed, or meant for another process ({@code WATCHDOG_PID}). */
    static long watchdogUs(Map<String, String> env, long pid) {
        final String watchdogPid = env.getOrDefault("WATCHDOG_PID", "");
        try {
            if (!watchdogPid.isEmpty() && Long.parseLong(watchdogPid) != pid) {
                return 0;
            }
            final long us = Long.parseLong(env.getOrDefault("WATCHDOG_USEC", "0"));
            return us >= 2 ? us : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * What a watchdog keep-alive vouches for: {@code alive} is asked before each one, and a false answer skips it
     * (systemd restarts the service when keep-alives stop for {@code WatchdogSec}).
     */
    public void watchdogCheck(BooleanSupplier alive) {
        this.alive = alive;
    }

    private void watchdog() {
        try {
            if (alive.getAsBoolean()) {
                send("WATCHDOG=1");
            } else {
                log.warn("an event loop did not run its liveness probe within a watchdog interval; not sending the"
                        + " systemd watchdog keep-alive");
            }
        } catch (RuntimeException e) {
            // an exception would end the periodic task, and with it every later keep-alive
            log.warn("watchdog liveness check failed", "err", String.valueOf(e));
        }
    }

    /** Whether messages go anywhere. */
    public boolean enabled() {
        return channel != null;
    }

    /** {@code READY=1} with a status line: start-up is complete. */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + status);
    }

    /** A {@code STATUS=} line that {@code systemctl status} shows. */
    public void status(String status) {
        send("STATUS=" + status);
    }

    /** {@code STOPPING=1}, waiting (bounded) until it is sent: the stop that follows may end the process. */
    public void stopping() {
        final ChannelFuture sent = send("STOPPING=1\nSTATUS=stopping: draining requests and the journal");
        if (sent != null) {
            sent.awaitUninterruptibly(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
    }

    private ChannelFuture send(String message) {
        final Channel channel = this.channel;
        if (channel == null || !channel.isOpen()) {
            return null;
        }
        final ByteBuf bytes = channel.alloc().buffer(message.length());
        bytes.writeCharSequence(message, StandardCharsets.UTF_8);
        return channel.writeAndFlush(new DomainDatagramPacket(bytes, socket)).addListener(f -> {
            if (!f.isSuccess()) {
                log.debug("cannot notify systemd", "socket", socket.path(), "err", String.valueOf(f.cause()));
            }
        });
    }

    /** Stops the watchdog and closes the socket. */
    @Override
    public void close() {
        if (group != null) {
            channel.close().awaitUninterruptibly(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            group.shutdownGracefully(0, SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS).awaitUninterruptibly();
        }
    }
}
