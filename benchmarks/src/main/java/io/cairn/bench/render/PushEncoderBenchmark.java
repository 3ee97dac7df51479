package io.cairn.bench.render;

import io.cairn.bench.Corpora;
import io.cairn.bench.JvmFlags;
import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.PushContent;
import io.cairn.core.render.PushEncoder;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Render cost of a push: {@link PushEncoder#encode} of an already parsed body for the grouping key {@code
 * {job="bench",instance="i1"}} (label sanitizing, expfmt series order, Go float formatting, series hashes, one
 * exact-size direct buffer per family from the pooled allocator), then the release of those buffers, as a
 * rejected push would. One op is one push encoded; for {@value Corpora#BODY} that is 3 families, 10 series.
 *
 * <h2>Latest results (2026-11-25)</h2>
 * Machine: AMD EPYC, 2 vCPUs shared with other work (noisy), 23 GB; OpenJDK 17.0.15, Netty 4.2.18.Final.
 * Quick preset, so compare rows of one run only; scores are the mean of 3 iterations [min–max], MB = 10^6 bytes.
 * {@code java -jar benchmarks/target/benchmarks.jar -f 1 -wi 2 -w 1s -i 3 -r 2s -prof gc PushEncoderBenchmark}
 * <pre>
 * corpus      ops/s                       µs/push   heap B/op
 * body        317,410 [300,852–338,661]      3.2       1,784
 * series10k        78 [70–84]            12,800   7,056,403
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(jvmArgsAppend = {JvmFlags.NO_LEAK_DETECTION, JvmFlags.AGRONA_UNSAFE})
public class PushEncoderBenchmark {
    @Param({Corpora.BODY, Corpora.SERIES_10K})
    public String corpus;

    private PushContent content;
    private GroupingKey key;
    private ByteBufAllocator alloc;
    private PushEncoder encoder;

    @Setup(Level.Trial)
    public void setUp() {
        content = Corpora.parse(Corpora.bytes(corpus));
        key = Corpora.groupKey(1);
        alloc = PooledByteBufAllocator.DEFAULT;
        encoder = new PushEncoder();
        final PushEncoder.EncodedPush probe = encoder.encode(key, content, alloc);
        try {
            if (probe.rejection() != null) {
                throw new IllegalStateException("corpus " + corpus + " is rejected: " + probe.rejection());
            }
        } finally {
            probe.release();
        }
    }

    @Benchmark
    public void encode(Blackhole bh) {
        final PushEncoder.EncodedPush push = encoder.encode(key, content, alloc);
        bh.consume(push.families()[0].text().readableBytes());
        push.release();
    }
}
