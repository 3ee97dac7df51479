package io.cairn.bench.proto;

import com.google.protobuf.CodedInputStream;
import io.cairn.bench.ByteCounter;
import io.cairn.bench.Corpora;
import io.cairn.bench.JvmFlags;
import io.cairn.core.model.MalformedPushException;
import io.cairn.core.model.PushContent;
import io.cairn.core.proto.DelimitedDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of {@link DelimitedDecoder} over whole protobuf push bodies, fed as the HTTP layer feeds it: chunks of
 * {@value Corpora#CHUNK_BYTES} bytes of a direct buffer, then {@code finish()}. The bodies are the text corpora of
 * {@link Corpora} turned into delimited {@code MetricFamily} messages ({@link Corpora#protobuf}), so a row compares
 * with the same row of the text parser's benchmark: same families, series and values. One op is one body decoded
 * into a reused {@link PushContent}; the {@code bytes} secondary result is the input rate in bytes/s.
 *
 * <p>Baseline, {@link #skipFields}: protobuf-java's {@code CodedInputStream} reading the tag of every field of every
 * family and metric message and skipping its content, building nothing: less work than any decoder that keeps the
 * values. The gap to {@link #decode} bounds what a hand-written decoder over the same stream could win.
 *
 * <p>Latest results: {@code docs/performance.md}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(jvmArgsAppend = {JvmFlags.NO_LEAK_DETECTION, JvmFlags.AGRONA_UNSAFE})
public class DelimitedDecoderBenchmark {
    /** Field 4 of {@code MetricFamily}, length-delimited. */
    private static final int METRIC_TAG = (4 << 3) | 2;

    @Param({Corpora.BODY, Corpora.SERIES_10K, Corpora.HISTOGRAMS, Corpora.ESCAPES})
    public String corpus;

    private ByteBuf body;
    private byte[] bytes;
    private int size;
    private DelimitedDecoder decoder;
    private PushContent content;

    @Setup(Level.Trial)
    public void setUp() throws MalformedPushException, IOException {
        bytes = Corpora.protobuf(corpus);
        size = bytes.length;
        body = Unpooled.directBuffer(size, size).writeBytes(bytes);
        decoder = new DelimitedDecoder(DelimitedDecoder.DEFAULT_MAX_MESSAGE_BYTES);
        content = new PushContent();
        if (decode(new ByteCounter()) == 0 || skipFields(new ByteCounter()) == 0) {
            throw new IllegalStateException("corpus " + corpus + " decoded to nothing");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        body.release();
    }

    /** Decodes the whole body; returns the number of families so the work cannot be dropped. */
    @Benchmark
    public int decode(ByteCounter counter) throws MalformedPushException {
        final ByteBuf body = this.body;
        final int size = this.size;
        final DelimitedDecoder decoder = this.decoder;
        content.reset();
        decoder.reset(content);
        for (int from = 0; from < size; from += Corpora.CHUNK_BYTES) {
            body.setIndex(from, Math.min(from + Corpora.CHUNK_BYTES, size));
            decoder.feed(body);
        }
        decoder.finish();
        counter.bytes += size;
        return content.familyCount();
    }

    /** Baseline: every field of every message visited with {@code CodedInputStream}, nothing built. */
    @Benchmark
    public int skipFields(ByteCounter counter) throws IOException {
        final CodedInputStream in = CodedInputStream.newInstance(bytes);
        int fields = 0;
        while (!in.isAtEnd()) {
            final int limit = in.pushLimit(in.readRawVarint32());
            fields += skipMessage(in);
            in.popLimit(limit);
        }
        counter.bytes += size;
        return fields;
    }

    /** Reads every field tag of a family message and of each of its metrics; skips the fields' contents. */
    private static int skipMessage(CodedInputStream in) throws IOException {
        int fields = 0;
        int tag;
        while ((tag = in.readTag()) != 0) {
            fields++;
            if (tag == METRIC_TAG) {
                final int limit = in.pushLimit(in.readRawVarint32());
                int inner;
                while ((inner = in.readTag()) != 0) {
                    fields++;
                    in.skipField(inner);
                }
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
        return fields;
    }
}
