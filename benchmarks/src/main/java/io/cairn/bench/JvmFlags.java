package io.cairn.bench;

/** JVM flags every benchmark fork runs with ({@code @Fork(jvmArgsAppend = ...)}). */
public final class JvmFlags {
    /**
     * Netty samples buffers for leak reports by default; the sampled ones cost a stack trace each, noise that the
     * tests (run with paranoid detection) make unnecessary here. Netty's own microbenchmarks do the same.
     */
    public static final String NO_LEAK_DETECTION = "-Dio.netty.leakDetection.level=disabled";
    /** Agrona 2.x reaches {@code jdk.internal.misc.Unsafe}; on Java 17 the package must be exported to it. */
    public static final String AGRONA_UNSAFE = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

    private JvmFlags() {
    }
}
