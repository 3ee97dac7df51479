package io.cairn.server.systemd;

import java.lang.reflect.Proxy;

/**
 * Handlers for POSIX signals ({@code sun.misc.Signal} of module {@code jdk.unsupported}). They are installed
 * through reflection because javac warns of every direct use of that class as "internal proprietary API", a
 * warning no {@code @SuppressWarnings} silences and that the build's {@code -Werror} would turn into an error.
 * Handling SIGTERM and SIGINT here replaces the JVM's own shutdown on them, so that an orderly stop ends with exit
 * code 0 instead of 143 or 130.
 */
public final class Signals {

    private Signals() {
    }

    /**
     * Runs {@code action} on the JVM's signal thread each time the signal arrives; returns false when this runtime
     * cannot handle it (then the JVM's default stays).
     */
    public static boolean handle(String name, Runnable action) {
        try {
            final Class<?> signal = Class.forName("sun.misc.Signal");
            final Class<?> handler = Class.forName("sun.misc.SignalHandler");
            final Object proxy = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handler},
                    (self, method, args) -> {
                        if (method.getName().equals("handle")) {
                            action.run();
                            return null;
                        }
                        switch (method.getName()) {
                            case "hashCode":
                                return System.identityHashCode(self);
                            case "equals":
                                return self == args[0];
                            default:
                                return "signal handler for SIG" + name;
                        }
                    });
            signal.getMethod("handle", signal, handler).invoke(null,
                    signal.getConstructor(String.class).newInstance(name), proxy);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
