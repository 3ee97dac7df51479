package io.cairn.bench.text;

import io.cairn.bench.ByteCounter;
import io.cairn.bench.Corpora;
import io.cairn.bench.JvmFlags;
import io.cairn.core.model.PushContent;
import io.cairn.core.text.ParseException;
import io.cairn.core.text.TextFormatParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ByteProcessor;
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
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * Throughput of {@link TextFormatParser} over whole push bodies, fed as the HTTP layer feeds it: chunks of {@value
 * Corpora#CHUNK_BYTES} bytes of a direct buffer, then {@code finish()}. One op is one body parsed into a reused
 * {@link PushContent}; the {@code bytes} secondary result is the input rate in bytes/s. The chunks are windows
 * (reader and writer index) over one direct buffer holding the body, so the benchmark itself allocates nothing.
 *
 * <p>Baselines over the same chunks: {@link #newlineScanIndexOf()} finds every {@code \n} with {@code
 * ByteBuf.indexOf}, {@link #newlineScanForEachByte()} visits every byte with {@code forEachByte}. Neither parses
 * anything: they bound what any line-oriented parser reading the same buffers can reach.
 *
 * <p>Corpora are described in {@link Corpora}; sizes: body 688 B, series10k 1,122,193 B, histograms 529,190 B,
 * escapes 219,752 B.
 *
 * <h2>Latest results (2026-11-25)</h2>
 * Machine: AMD EPYC, 2 vCPUs shared with other work (noisy), 23 GB; OpenJDK 17.0.15, Netty 4.2.18.Final.
 * Quick preset, so compare rows of one run only; scores are the mean of 3 iterations [min–max], MB = 10^6 bytes.
 * {@code java -jar benchmarks/target/benchmarks.jar -f 1 -wi 2 -w 1s -i 3 -r 2s -prof gc TextFormatParserBenchmark}
 * <pre>
 * corpus       parse MB/s  parse ops/s                 heap B/op   indexOf MB/s  forEachByte MB/s
 * body              265      385,817 [358,303–402,720]      1,064         4,141             2,666
 * series10k         280          250 [204–281]          2,162,499         6,133             3,769
 * histograms        147          277 [255–309]            145,851         5,368             3,709
 * escapes           327        1,487 [1,431–1,531]        365,858         6,270             3,393
 * </pre>
 * The parser runs at 4–7% of the newline scan. {@code series10k} allocates about 2 heap bytes per input byte
 * (the label value strings of 10,000 distinct series).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(jvmArgsAppend = {JvmFlags.NO_LEAK_DETECTION, JvmFlags.AGRONA_UNSAFE})
public class TextFormatParserBenchmark {
    @Param({Corpora.BODY, Corpora.SERIES_10K, Corpora.HISTOGRAMS, Corpora.ESCAPES})
    public String corpus;

    private ByteBuf body;
    private int size;
    private TextFormatParser parser;
    private PushContent content;
    private LineCounter lineCounter;

    /** Counts line feeds; a class of its own so the JIT sees one monomorphic processor. */
    private static final class LineCounter implements ByteProcessor {
        int lines;

        @Override
        public boolean process(byte value) {
            if (value == '\n') {
                lines++;
            }
            return true;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws ParseException {
        final byte[] bytes = Corpora.bytes(corpus);
        size = bytes.length;
        body = Unpooled.directBuffer(size, size).writeBytes(bytes);
        parser = new TextFormatParser();
        content = new PushContent();
        lineCounter = new LineCounter();
        if (parse(new ByteCounter()) == 0) {
            throw new IllegalStateException("corpus " + corpus + " parsed to nothing");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        body.release();
    }

    /** Parses the whole body; returns the number of families so the work cannot be dropped. */
    @Benchmark
    public int parse(ByteCounter counter) throws ParseException {
        final ByteBuf body = this.body;
        final int size = this.size;
        final TextFormatParser parser = this.parser;
        content.reset();
        parser.reset(content);
        for (int from = 0; from < size; from += Corpora.CHUNK_BYTES) {
            body.setIndex(from, Math.min(from + Corpora.CHUNK_BYTES, size));
            parser.feed(body);
        }
        parser.finish();
        counter.bytes += size;
        return content.familyCount();
    }

    /** Baseline: finds every line feed of every chunk with {@code ByteBuf.indexOf}. */
    @Benchmark
    public int newlineScanIndexOf(ByteCounter counter) {
        final ByteBuf body = this.body;
        final int size = this.size;
        int lines = 0;
        for (int from = 0; from < size; from += Corpora.CHUNK_BYTES) {
            final int to = Math.min(from + Corpora.CHUNK_BYTES, size);
            body.setIndex(from, to);
            int lf = body.indexOf(from, to, (byte) '\n');
            while (lf >= 0) {
                lines++;
                lf = body.indexOf(lf + 1, to, (byte) '\n');
            }
        }
        counter.bytes += size;
        return lines;
    }

    /** Baseline: visits every byte of every chunk with {@code ByteBuf.forEachByte}, counting line feeds. */
    @Benchmark
    public int newlineScanForEachByte(ByteCounter counter) {
        final ByteBuf body = this.body;
        final int size = this.size;
        final LineCounter lineCounter = this.lineCounter;
        lineCounter.lines = 0;
        for (int from = 0; from < size; from += Corpora.CHUNK_BYTES) {
            final int to = Math.min(from + Corpora.CHUNK_BYTES, size);
            body.setIndex(from, to);
            body.forEachByte(from, to - from, lineCounter);
        }
        counter.bytes += size;
        return lineCounter.lines;
    }
}
