/**
 * Running under systemd: {@link io.cairn.server.systemd.SystemdNotifier} tells the service manager when the gateway
 * is ready, stopping and alive ({@code sd_notify} datagrams on {@code NOTIFY_SOCKET}, sent with Netty's epoll
 * transport), {@link io.cairn.server.systemd.SocketActivation} takes over the listening sockets systemd passes
 * ({@code LISTEN_FDS}, {@code --web.systemd-socket}), and {@link io.cairn.server.systemd.Signals} turns SIGHUP,
 * SIGTERM and SIGINT into a reload or an orderly stop.
 */
package io.cairn.server.systemd;
