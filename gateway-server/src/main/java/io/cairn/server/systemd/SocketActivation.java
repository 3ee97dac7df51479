package io.cairn.server.systemd;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The listening sockets of systemd socket activation ({@code sd_listen_fds(3)}): {@code LISTEN_FDS} descriptors
 * starting at {@value #FIRST_FD}, meant for this process when {@code LISTEN_PID} is its pid. As go-systemd's
 * {@code activation.Listeners}, which the Pushgateway uses for {@code --web.systemd-socket}, descriptors meant for
 * another process count as none.
 */
public final class SocketActivation {
    /** {@code SD_LISTEN_FDS_START}: the first passed descriptor, after stdin, stdout and stderr. */
    public static final int FIRST_FD = 3;
    /** exporter-toolkit's error when {@code --web.systemd-socket} is given and no socket was passed. */
    public static final String NO_SOCKETS = "no socket activation file descriptors found";

    private SocketActivation() {
    }

    /** The passed descriptors, in order; empty when none were passed to this process. */
    public static List<Integer> listenFds(Map<String, String> env, long pid) {
        final List<Integer> fds = new ArrayList<>();
        try {
            if (Long.parseLong(env.getOrDefault("LISTEN_PID", "")) != pid) {
                return fds;
            }
            final int count = Integer.parseInt(env.getOrDefault("LISTEN_FDS", ""));
            for (int i = 0; i < count; i++) {
                fds.add(FIRST_FD + i);
            }
        } catch (NumberFormatException e) {
            // unset or malformed: nothing was passed
        }
        return fds;
    }

    /**
     * Puts a passed descriptor in non-blocking mode, as Go's {@code net.FileListener} does: systemd passes blocking
     * sockets (unless the unit says {@code NonBlocking=yes}), and an event loop must never block in
     * {@code accept(2)}. Netty has no call for it, so this uses the JDK's own ({@code sun.nio.ch.IOUtil}, which the
     * jar's manifest exports to Cairn).
     */
    public static void nonBlocking(int fd) throws IOException {
        try {
            final Class<?> ioUtil = Class.forName("sun.nio.ch.IOUtil");
            final Method newFd = ioUtil.getMethod("newFD", int.class);
            final Method configureBlocking = ioUtil.getMethod("configureBlocking", FileDescriptor.class,
                    boolean.class);
            configureBlocking.invoke(null, newFd.invoke(null, fd), false);
        } catch (InvocationTargetException e) {
            throw new IOException("cannot make socket " + fd + " non-blocking: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IOException("cannot make socket " + fd + " non-blocking (run java with --add-exports"
                    + " java.base/sun.nio.ch=ALL-UNNAMED): " + e, e);
        }
    }
}
