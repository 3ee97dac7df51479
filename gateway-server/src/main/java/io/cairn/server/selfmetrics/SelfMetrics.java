package io.cairn.server.selfmetrics;

import io.cairn.core.model.MetricType;
import io.cairn.core.render.GoFloatFormatter;
import io.cairn.core.render.TextWriter;
import io.cairn.core.scrape.OwnFamily;
import io.cairn.core.store.GroupStore;
import io.cairn.core.store.LatencyHistogram;
import io.cairn.core.store.StoreSnapshot;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's own metrics, exposed on the telemetry path next to the pushed ones: the Pushgateway's
 * ({@code pushgateway_build_info}, {@code pushgateway_http_requests_total}, push duration and size summaries),
 * process figures ({@code process_*}), JVM figures ({@code jvm_*}) and the store's ({@code pushgateway_store_*},
 * {@code pushgateway_journal_*}), and the refusals of {@code --web.config.file} (failed TLS handshakes, 401s).
 *
 * <p>The store's latency histograms are written by its writer thread and only read here (see {@link
 * LatencyHistogram}); counting a refusal is one {@link LongAdder} increment.
 *
 * <p>Summaries keep the last {@value #WINDOW} observations per method and report the 0.1, 0.5 and 0.9
 * quantiles over them, with a running count and sum.
 */
public final class SelfMetrics {
    static final int WINDOW = 1024;
    private static final double[] QUANTILES = {0.1, 0.5, 0.9};
    private static final String[] LE = {"le"};

    private final String version;
    private final String revision;
    private final String branch;
    private final ConcurrentHashMap<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> limitRejections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Summary> pushDurations = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Summary> pushSizes = new ConcurrentHashMap<>();
    private final LongAdder tlsHandshakeFailures = new LongAdder();
    private final LongAdder unauthorized = new LongAdder();
    private final double startTimeSeconds;

    public SelfMetrics(String version, String revision, String branch) {
        this.version = version;
        this.revision = revision;
        this.branch = branch;
        this.startTimeSeconds = ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0;
    }

    /** The own families and their types, reserved against pushes of another type. */
    public static Map<String, MetricType> reservedFamilies() {
        final TreeMap<String, MetricType> names = new TreeMap<>();
        names.put("pushgateway_build_info", MetricType.GAUGE);
        names.put("pushgateway_http_requests_total", MetricType.COUNTER);
        names.put("pushgateway_http_push_duration_seconds", MetricType.SUMMARY);
        names.put("pushgateway_http_push_size_bytes", MetricType.SUMMARY);
        names.put("pushgateway_limit_rejections_total", MetricType.COUNTER);
        names.put("process_cpu_seconds_total", MetricType.COUNTER);
        names.put("process_open_fds", MetricType.GAUGE);
        names.put("process_max_fds", MetricType.GAUGE);
        names.put("process_resident_memory_bytes", MetricType.GAUGE);
        names.put("process_virtual_memory_bytes", MetricType.GAUGE);
        names.put("process_start_time_seconds", MetricType.GAUGE);
        names.put("jvm_memory_used_bytes", MetricType.GAUGE);
        names.put("jvm_memory_committed_bytes", MetricType.GAUGE);
        names.put("jvm_threads_current", MetricType.GAUGE);
        names.put("jvm_gc_collection_seconds", MetricType.SUMMARY);
        names.put("jvm_buffer_pool_used_bytes", MetricType.GAUGE);
        names.put("pushgateway_store_groups", MetricType.GAUGE);
        names.put("pushgateway_store_series", MetricType.GAUGE);
        names.put("pushgateway_store_queue_depth", MetricType.GAUGE);
        names.put("pushgateway_store_queue_capacity", MetricType.GAUGE);
        names.put("pushgateway_store_applied_commands_total", MetricType.COUNTER);
        names.put("pushgateway_direct_memory_used_bytes", MetricType.GAUGE);
        names.put("pushgateway_store_bytes", MetricType.GAUGE);
        names.put("pushgateway_store_command_latency_seconds", MetricType.HISTOGRAM);
        names.put("pushgateway_store_batch_apply_seconds", MetricType.HISTOGRAM);
        names.put("pushgateway_journal_write_seconds", MetricType.HISTOGRAM);
        names.put("pushgateway_tls_handshake_errors_total", MetricType.COUNTER);
        names.put("pushgateway_http_unauthorized_requests_total", MetricType.COUNTER);
        return names;
    }

    /** Counts one request as the Pushgateway's {@code InstrumentHandler} does. */
    public void countRequest(String handler, int code, String method) {
        requests.computeIfAbsent(handler + '\u0000' + code + '\u0000' + method.toLowerCase(java.util.Locale.ROOT),
                k -> new LongAdder()).increment();
    }

    /** Counts a request refused (or a connection closed) by the limit that {@code flag} sets. */
    public void countLimitRejection(String flag) {
        limitRejections.computeIfAbsent(flag, k -> new LongAdder()).increment();
    }

    /** Counts a TLS handshake that did not complete. */
    public void countTlsHandshakeFailure() {
        tlsHandshakeFailures.increment();
    }

    /** Counts a request answered 401 by basic authentication. */
    public void countUnauthorized() {
        unauthorized.increment();
    }

    public void observePush(String method, double durationSeconds, long sizeBytes) {
        final String m = method.toLowerCase(java.util.Locale.ROOT);
        pushDurations.computeIfAbsent(m, k -> new Summary()).observe(durationSeconds);
        pushSizes.computeIfAbsent(m, k -> new Summary()).observe(sizeBytes);
    }

    /** Renders every own family, sorted by name; the caller owns the buffers. */
    public List<OwnFamily> render(GroupStore store, ByteBufAllocator alloc) {
        final ArrayList<OwnFamily> families = new ArrayList<>();
        final StringBuilder scratch = new StringBuilder(32);
        final Lines lines = new Lines(alloc, scratch);

        lines.sample("pushgateway_build_info", new String[] {"branch", "goversion", "revision", "version"},
                new String[] {branch, "java" + System.getProperty("java.version"), revision, version}, 1);
        families.add(lines.family("pushgateway_build_info", MetricType.GAUGE,
                "A metric with a constant '1' value labeled by version, revision, branch, and goversion from which"
                        + " pushgateway was built."));

        final TreeMap<String, LongAdder> sorted = new TreeMap<>(requests);
        for (Map.Entry<String, LongAdder> e : sorted.entrySet()) {
            final String[] parts = e.getKey().split("\u0000", -1);
            lines.sample("pushgateway_http_requests_total", new String[] {"code", "handler", "method"},
                    new String[] {parts[1], parts[0], parts[2]}, e.getValue().sum());
        }
        if (!sorted.isEmpty()) {
            families.add(lines.family("pushgateway_http_requests_total", MetricType.COUNTER,
                    "Total HTTP requests processed by the Pushgateway, excluding scrapes."));
        }
        final TreeMap<String, LongAdder> limits = new TreeMap<>(limitRejections);
        for (Map.Entry<String, LongAdder> e : limits.entrySet()) {
            lines.sample("pushgateway_limit_rejections_total", new String[] {"limit"}, new String[] {e.getKey()},
                    e.getValue().sum());
        }
        if (!limits.isEmpty()) {
            families.add(lines.family("pushgateway_limit_rejections_total", MetricType.COUNTER,
                    "Requests refused, or connections closed, by one of the gateway's limits (by its flag)."));
        }
        if (summaries(lines, "pushgateway_http_push_duration_seconds", pushDurations)) {
            families.add(lines.family("pushgateway_http_push_duration_seconds", MetricType.SUMMARY,
                    "HTTP request duration for pushes to the Pushgateway."));
        }
        if (summaries(lines, "pushgateway_http_push_size_bytes", pushSizes)) {
            families.add(lines.family("pushgateway_http_push_size_bytes", MetricType.SUMMARY,
                    "HTTP request size for pushes to the Pushgateway."));
        }
        process(lines, families);
        jvm(lines, families);

        lines.sample("pushgateway_tls_handshake_errors_total", null, null, tlsHandshakeFailures.sum());
        families.add(lines.family("pushgateway_tls_handshake_errors_total", MetricType.COUNTER,
                "TLS handshakes that did not complete: a certificate refused by either side, no common protocol or"
                        + " cipher, plain HTTP sent to a TLS listener, or a connection closed during the handshake."
                        + " The Go Pushgateway logs these as 'http: TLS handshake error'."));
        lines.sample("pushgateway_http_unauthorized_requests_total", null, null, unauthorized.sum());
        families.add(lines.family("pushgateway_http_unauthorized_requests_total", MetricType.COUNTER,
                "Requests answered 401 Unauthorized by basic authentication (credentials missing or wrong);"
                        + " they are not in pushgateway_http_requests_total."));

        final int groups;
        final long series;
        final long storedBytes;
        try (StoreSnapshot snapshot = store.acquire()) {
            groups = snapshot.groupCount();
            series = snapshot.seriesCount();
            storedBytes = snapshot.storedBytes();
        }
        lines.sample("pushgateway_store_groups", null, null, groups);
        families.add(lines.family("pushgateway_store_groups", MetricType.GAUGE, "Groups held in the store."));
        lines.sample("pushgateway_store_series", null, null, series);
        families.add(lines.family("pushgateway_store_series", MetricType.GAUGE,
                "Series held in the store, push timestamps included."));
        lines.sample("pushgateway_store_queue_depth", null, null, store.queueDepth());
        families.add(lines.family("pushgateway_store_queue_depth", MetricType.GAUGE,
                "Commands waiting for the store writer."));
        lines.sample("pushgateway_store_queue_capacity", null, null, store.queueCapacity());
        families.add(lines.family("pushgateway_store_queue_capacity", MetricType.GAUGE,
                "Capacity of the store writer's queue; a push that finds it full is answered 503."));
        lines.sample("pushgateway_store_applied_commands_total", null, null, store.appliedCommands());
        families.add(lines.family("pushgateway_store_applied_commands_total", MetricType.COUNTER,
                "Pushes, deletes and wipes applied by the store writer."));
        lines.sample("pushgateway_store_bytes", null, null, storedBytes);
        families.add(lines.family("pushgateway_store_bytes", MetricType.GAUGE,
                "Bytes of the off-heap buffers that hold the stored groups' pre-serialized samples (text and"
                        + " protobuf, push timestamps included)."));
        histogram(lines, "pushgateway_store_command_latency_seconds", store.commandLatency());
        families.add(lines.family("pushgateway_store_command_latency_seconds", MetricType.HISTOGRAM,
                "Time from a push, delete or wipe being queued for the store writer to its completion, after its"
                        + " batch was applied, journaled and published."));
        histogram(lines, "pushgateway_store_batch_apply_seconds", store.batchApplyTime());
        families.add(lines.family("pushgateway_store_batch_apply_seconds", MetricType.HISTOGRAM,
                "Time the store writer took for one batch of commands: checks, journal write, publication and"
                        + " completions."));
        if (store.journaled()) {
            histogram(lines, "pushgateway_journal_write_seconds", store.journalWriteTime());
            families.add(lines.family("pushgateway_journal_write_seconds", MetricType.HISTOGRAM,
                    "Time to write one batch of commands to the journal of --persistence.file, with its fsync under"
                            + " --persistence.sync=fsync."));
        }
        lines.sample("pushgateway_direct_memory_used_bytes", null, null,
                PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory());
        families.add(lines.family("pushgateway_direct_memory_used_bytes", MetricType.GAUGE,
                "Direct memory held by the pooled allocator: pre-serialized samples and buffers in flight."));
        families.sort(Comparator.comparing(OwnFamily::name));
        return families;
    }

    /** Cumulative buckets, sum and count; the count is the {@code +Inf} bucket as read, so the two agree. */
    private static void histogram(Lines lines, String name, LatencyHistogram histogram) {
        long cumulative = 0;
        for (int i = 0; i < LatencyHistogram.BUCKETS; i++) {
            cumulative += histogram.bucketCount(i);
            lines.sample(name + "_bucket", LE, new String[] {GoFloatFormatter.format(
                    LatencyHistogram.upperBoundSeconds(i))}, cumulative);
        }
        cumulative += histogram.bucketCount(LatencyHistogram.BUCKETS);
        lines.sample(name + "_bucket", LE, new String[] {"+Inf"}, cumulative);
        lines.sample(name + "_sum", null, null, histogram.sumSeconds());
        lines.sample(name + "_count", null, null, cumulative);
    }

    private static boolean summaries(Lines lines, String name, ConcurrentHashMap<String, Summary> byMethod) {
        final TreeMap<String, Summary> sorted = new TreeMap<>(byMethod);
        for (Map.Entry<String, Summary> e : sorted.entrySet()) {
            final Summary.Snapshot s = e.getValue().snapshot();
            for (int i = 0; i < QUANTILES.length; i++) {
                lines.sample(name, new String[] {"method", "quantile"},
                        new String[] {e.getKey(), GoFloatFormatter.format(QUANTILES[i])}, s.quantiles[i]);
            }
            lines.sample(name + "_sum", new String[] {"method"}, new String[] {e.getKey()}, s.sum);
            lines.sample(name + "_count", new String[] {"method"}, new String[] {e.getKey()}, s.count);
        }
        return !sorted.isEmpty();
    }

    private void process(Lines lines, List<OwnFamily> families) {
        final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean) {
            final com.sun.management.UnixOperatingSystemMXBean unix = (com.sun.management.UnixOperatingSystemMXBean) os;
            lines.sample("process_cpu_seconds_total", null, null, unix.getProcessCpuTime() / 1e9);
            families.add(lines.family("process_cpu_seconds_total", MetricType.COUNTER,
                    "Total user and system CPU time spent in seconds."));
            lines.sample("process_max_fds", null, null, unix.getMaxFileDescriptorCount());
            families.add(lines.family("process_max_fds", MetricType.GAUGE,
                    "Maximum number of open file descriptors."));
            lines.sample("process_open_fds", null, null, unix.getOpenFileDescriptorCount());
            families.add(lines.family("process_open_fds", MetricType.GAUGE, "Number of open file descriptors."));
        }
        final long[] memory = procStatusMemory();
        if (memory != null) {
            lines.sample("process_resident_memory_bytes", null, null, memory[0]);
            families.add(lines.family("process_resident_memory_bytes", MetricType.GAUGE,
                    "Resident memory size in bytes."));
            lines.sample("process_virtual_memory_bytes", null, null, memory[1]);
            families.add(lines.family("process_virtual_memory_bytes", MetricType.GAUGE,
                    "Virtual memory size in bytes."));
        }
        lines.sample("process_start_time_seconds", null, null, startTimeSeconds);
        families.add(lines.family("process_start_time_seconds", MetricType.GAUGE,
                "Start time of the process since unix epoch in seconds."));
    }

    /** VmRSS and VmSize from /proc/self/status in bytes, or {@code null} off Linux. */
    private static long[] procStatusMemory() {
        try {
            long rss = -1;
            long vsize = -1;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kilobytes(line);
                } else if (line.startsWith("VmSize:")) {
                    vsize = kilobytes(line);
                }
            }
            return rss < 0 || vsize < 0 ? null : new long[] {rss, vsize};
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private static long kilobytes(String line) {
        final String[] parts = line.trim().split("\\s+");
        return Long.parseLong(parts[1]) * 1024;
    }

    private static void jvm(Lines lines, List<OwnFamily> families) {
        final MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        final MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        lines.sample("jvm_memory_used_bytes", new String[] {"area"}, new String[] {"heap"}, heap.getUsed());
        lines.sample("jvm_memory_used_bytes", new String[] {"area"}, new String[] {"nonheap"}, nonHeap.getUsed());
        families.add(lines.family("jvm_memory_used_bytes", MetricType.GAUGE, "Used bytes of a given JVM memory area."));
        lines.sample("jvm_memory_committed_bytes", new String[] {"area"}, new String[] {"heap"}, heap.getCommitted());
        lines.sample("jvm_memory_committed_bytes", new String[] {"area"}, new String[] {"nonheap"},
                nonHeap.getCommitted());
        families.add(lines.family("jvm_memory_committed_bytes", MetricType.GAUGE,
                "Committed bytes of a given JVM memory area."));
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            lines.sample("jvm_buffer_pool_used_bytes", new String[] {"pool"}, new String[] {pool.getName()},
                    pool.getMemoryUsed());
        }
        families.add(lines.family("jvm_buffer_pool_used_bytes", MetricType.GAUGE,
                "Used bytes of a given JVM buffer pool."));
        lines.sample("jvm_threads_current", null, null, ManagementFactory.getThreadMXBean().getThreadCount());
        families.add(lines.family("jvm_threads_current", MetricType.GAUGE, "Current thread count of the JVM."));
        final List<GarbageCollectorMXBean> gcs = new ArrayList<>(ManagementFactory.getGarbageCollectorMXBeans());
        gcs.sort(Comparator.comparing(GarbageCollectorMXBean::getName));
        for (GarbageCollectorMXBean gc : gcs) {
            lines.sample("jvm_gc_collection_seconds_count", new String[] {"gc"}, new String[] {gc.getName()},
                    gc.getCollectionCount());
            lines.sample("jvm_gc_collection_seconds_sum", new String[] {"gc"}, new String[] {gc.getName()},
                    gc.getCollectionTime() / 1000.0);
        }
        families.add(lines.family("jvm_gc_collection_seconds", MetricType.SUMMARY,
                "Time spent in a given JVM garbage collector in seconds."));
    }

    /** Accumulates sample lines, then hands them out as one family. */
    private static final class Lines {
        private final ByteBufAllocator alloc;
        private final StringBuilder scratch;
        private ByteBuf buf;

        Lines(ByteBufAllocator alloc, StringBuilder scratch) {
            this.alloc = alloc;
            this.scratch = scratch;
        }

        void sample(String name, String[] labelNames, String[] labelValues, double value) {
            if (buf == null) {
                buf = alloc.directBuffer(256);
            }
            ByteBufUtil.writeAscii(buf, name);
            if (labelNames != null) {
                buf.writeByte('{');
                for (int i = 0; i < labelNames.length; i++) {
                    if (i > 0) {
                        buf.writeByte(',');
                    }
                    ByteBufUtil.writeAscii(buf, labelNames[i]);
                    buf.writeByte('=').writeByte('"');
                    TextWriter.writeLabelValue(buf, labelValues[i]);
                    buf.writeByte('"');
                }
                buf.writeByte('}');
            }
            buf.writeByte(' ');
            TextWriter.writeFloat(buf, value, scratch);
            buf.writeByte('\n');
        }

        OwnFamily family(String name, MetricType type, String help) {
            final ByteBuf lines = buf == null ? alloc.directBuffer(0) : buf;
            buf = null;
            return new OwnFamily(name, type, help, lines);
        }
    }

    /** The last {@value #WINDOW} observations, with a running count and sum. */
    static final class Summary {
        private final double[] window = new double[WINDOW];
        private long count;
        private double sum;

        synchronized void observe(double value) {
            window[(int) (count % WINDOW)] = value;
            count++;
            sum += value;
        }

        synchronized Snapshot snapshot() {
            final int n = (int) Math.min(count, WINDOW);
            final double[] values = Arrays.copyOf(window, n);
            Arrays.sort(values);
            final double[] q = new double[QUANTILES.length];
            for (int i = 0; i < q.length; i++) {
                q[i] = n == 0 ? Double.NaN : values[Math.min(n - 1, (int) (QUANTILES[i] * n))];
            }
            return new Snapshot(q, count, sum);
        }

        static final class Snapshot {
            final double[] quantiles;
            final long count;
            final double sum;

            Snapshot(double[] quantiles, long count, double sum) {
                this.quantiles = quantiles;
                this.count = count;
                this.sum = sum;
            }
        }
    }
}
