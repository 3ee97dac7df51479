package io.cairn.server;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * What the gateway listens on: addresses it binds ({@code --web.listen-address}) and listening sockets it inherits
 * by descriptor (systemd socket activation, {@code --web.systemd-socket}).
 */
public record Listeners(List<InetSocketAddress> addresses, List<Integer> inheritedFds) {
    public Listeners {
        addresses = List.copyOf(addresses);
        inheritedFds = List.copyOf(inheritedFds);
    }
}
