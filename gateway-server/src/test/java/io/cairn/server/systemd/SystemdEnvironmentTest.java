package io.cairn.server.systemd;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What {@link SocketActivation} and {@link SystemdNotifier} read from the environment systemd sets. */
class SystemdEnvironmentTest {
    private static final long PID = 4242;

    @Test
    void shouldTakeTheDescriptorsFromThreeOnOnlyWhenMeantForThisProcess() {
        assertEquals(List.of(3), SocketActivation.listenFds(Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "1"), PID));
        assertEquals(List.of(3, 4, 5),
                SocketActivation.listenFds(Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "3"), PID));
        assertEquals(List.of(), SocketActivation.listenFds(Map.of("LISTEN_PID", "17", "LISTEN_FDS", "1"), PID));
        assertEquals(List.of(), SocketActivation.listenFds(Map.of("LISTEN_FDS", "1"), PID));
        assertEquals(List.of(), SocketActivation.listenFds(Map.of("LISTEN_PID", "4242"), PID));
        assertEquals(List.of(), SocketActivation.listenFds(Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "x"), PID));
        assertEquals(List.of(), SocketActivation.listenFds(Map.of(), PID));
    }

    @Test
    void shouldPingTheWatchdogOnlyWhenAskedAndMeantForThisProcess() {
        assertEquals(30_000_000, SystemdNotifier.watchdogUs(Map.of("WATCHDOG_USEC", "30000000"), PID));
        assertEquals(30_000_000, SystemdNotifier.watchdogUs(Map.of("WATCHDOG_USEC", "30000000",
                "WATCHDOG_PID", "4242"), PID));
        assertEquals(0, SystemdNotifier.watchdogUs(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "17"), PID));
        assertEquals(0, SystemdNotifier.watchdogUs(Map.of("WATCHDOG_USEC", "soon"), PID));
        assertEquals(0, SystemdNotifier.watchdogUs(Map.of("WATCHDOG_USEC", "0"), PID));
        assertEquals(0, SystemdNotifier.watchdogUs(Map.of(), PID));
    }
}
