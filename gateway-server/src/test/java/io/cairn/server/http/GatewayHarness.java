package io.cairn.server.http;

import io.cairn.core.store.GroupStore;
import io.cairn.server.log.Log;
import io.cairn.server.selfmetrics.SelfMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.compression.SnappyFrameEncoder;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * One {@link GatewayHandler} in an {@link EmbeddedChannel} without HTTP codec: tests feed {@link HttpRequest} and
 * {@link HttpContent} objects and read back whole {@link Answer}s.
 *
 * <p>By default the store's writer thread is <em>not</em> started: the test thread plays the writer
 * ({@link GroupStore#drainAll()}) between runs of the channel's pending tasks. The handler then gets its
 * completion through {@code ctx.executor().execute(...)} from the test thread itself; a started writer would call
 * {@code execute} on the {@code EmbeddedEventLoop}, whose task queue is a plain {@code ArrayDeque}, concurrently
 * with {@code runPendingTasks()}. With {@code startWriter} the writer runs on its own thread and {@link
 * #awaitApplied(long)} waits (bounded) until the completion was handed over before running tasks.
 */
public final class GatewayHarness {
    /** The recorder's filter ({@code golden/record.py}) plus Cairn's {@code jvm_} families. */
    static final Pattern OWN = Pattern.compile("^(# (HELP|TYPE) )?(go_|process_|pushgateway_|promhttp_|jvm_)");
    private static final Pattern TS = Pattern.compile("^(push_(failure_)?time_seconds\\{.*\\}) (\\S+)$");

    public final GroupStore store;
    public final SelfMetrics selfMetrics;
    public final GatewayContext context;
    public final EmbeddedChannel channel;
    public final AtomicInteger quits = new AtomicInteger();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final boolean writerStarted;
    private final List<Answer> answers = new ArrayList<>();
    private Answer partial;

    public GatewayHarness() {
        this(false, false, true, "", false);
    }

    public GatewayHarness(boolean enableLifecycle, boolean enableAdminApi, boolean checkConsistency, String prefix,
                          boolean startWriter) {
        this(enableLifecycle, enableAdminApi, checkConsistency, prefix, startWriter, false);
    }

    public GatewayHarness(boolean enableLifecycle, boolean enableAdminApi, boolean checkConsistency, String prefix,
                          boolean startWriter, boolean openMetrics) {
        this(enableLifecycle, enableAdminApi, checkConsistency, prefix, startWriter, openMetrics, Limits.defaults());
    }

    public GatewayHarness(boolean enableLifecycle, boolean enableAdminApi, boolean checkConsistency, String prefix,
                          boolean startWriter, boolean openMetrics, Limits limits) {
        store = new GroupStore(PooledByteBufAllocator.DEFAULT, SelfMetrics.reservedFamilies());
        store.limits(limits.maxGroups(), limits.maxSeries());
        selfMetrics = new SelfMetrics("0.1.0-test", "test-revision", "test-branch");
        final Log log = Log.create(Log.Level.DEBUG, Log.Format.LOGFMT,
                new PrintStream(logBytes, true, StandardCharsets.UTF_8), Clock.systemUTC());
        context = new GatewayContext(store, new Routes(prefix, "/metrics"),
                new Switches(enableLifecycle, enableAdminApi, checkConsistency, false, openMetrics), limits,
                selfMetrics, log,
                Map.of("web.listen-address", ":9091"),
                Map.of("version", "0.1.0-test"), 1_795_618_213_000L, quits::incrementAndGet);
        if (startWriter) {
            store.start();
        }
        writerStarted = startWriter;
        context.storeReaders = Runnable::run; // whole-store answers on the test thread, in order
        channel = new EmbeddedChannel(new GatewayHandler(context));
    }

    // ------------------------------------------------------------------ requests

    public static HttpRequest request(HttpMethod method, String uri, String... headerPairs) {
        final HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        for (int i = 0; i < headerPairs.length; i += 2) {
            request.headers().add(headerPairs[i], headerPairs[i + 1]);
        }
        return request;
    }

    /** A request with {@code body} sent in chunks of {@code chunkBytes}, then an empty last content. */
    public static Object[] chunked(HttpRequest request, byte[] body, int chunkBytes) {
        final List<Object> msgs = new ArrayList<>();
        request.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        msgs.add(request);
        for (int i = 0; i < body.length; i += chunkBytes) {
            final int n = Math.min(chunkBytes, body.length - i);
            msgs.add(new DefaultHttpContent(Unpooled.copiedBuffer(body, i, n)));
        }
        msgs.add(LastHttpContent.EMPTY_LAST_CONTENT);
        return msgs.toArray();
    }

    /** A request with its whole body in the last content. */
    public static Object[] whole(HttpRequest request, byte[] body) {
        request.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return new Object[] {request, new DefaultLastHttpContent(Unpooled.copiedBuffer(body))};
    }

    public static Object[] whole(HttpMethod method, String uri, String body, String... headerPairs) {
        return whole(request(method, uri, headerPairs), body.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code plain} gzip-compressed, as a client sends it with {@code Content-Encoding: gzip}. */
    public static byte[] gzip(byte[] plain) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The snappy framed format ({@code snzip}'s), as Netty's encoder writes it. */
    public static byte[] snappyFramed(byte[] plain) {
        final EmbeddedChannel encoder = new EmbeddedChannel(new SnappyFrameEncoder());
        if (!encoder.writeOutbound(Unpooled.copiedBuffer(plain)) && plain.length > 0) {
            throw new AssertionError("the snappy encoder wrote nothing");
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuf piece;
        while ((piece = encoder.readOutbound()) != null) {
            final byte[] bytes = new byte[piece.readableBytes()];
            piece.readBytes(bytes);
            out.writeBytes(bytes);
            piece.release();
        }
        if (encoder.finish()) {
            throw new AssertionError("the snappy encoder left output behind");
        }
        return out.toByteArray();
    }

    public static Object[] concat(Object[]... requests) {
        final List<Object> all = new ArrayList<>();
        for (Object[] r : requests) {
            all.addAll(Arrays.asList(r));
        }
        return all.toArray();
    }

    // ------------------------------------------------------------------ exchanges

    /** Writes the messages, lets the handler and the store settle, and returns the complete answers so far. */
    public List<Answer> send(Object... msgs) {
        channel.writeInbound(msgs);
        settle();
        return takeAnswers();
    }

    /** One request, one answer. */
    public Answer exchange(Object... msgs) {
        final List<Answer> got = send(msgs);
        if (got.size() != 1) {
            throw new AssertionError("expected one answer, got " + got.size() + ": " + got);
        }
        return got.get(0);
    }

    public Answer get(String uri, String... headerPairs) {
        return exchange(whole(request(HttpMethod.GET, uri, headerPairs), new byte[0]));
    }

    public Answer push(HttpMethod method, String uri, String body) {
        return exchange(whole(method, uri, body));
    }

    /** The scrape without the gateway's own families, push times masked, as {@code golden/record.py} does. */
    public List<String> scrapeFiltered() {
        final Answer answer = get("/metrics");
        if (answer.status != 200) {
            throw new AssertionError("scrape answered " + answer);
        }
        return filter(answer.text());
    }

    public static List<String> filter(String exposition) {
        final List<String> lines = new ArrayList<>();
        for (String line : exposition.split("\n")) {
            if (line.isEmpty() || OWN.matcher(line).find()) {
                continue;
            }
            final Matcher m = TS.matcher(line);
            if (m.matches() && Double.parseDouble(m.group(3)) > 1e9) {
                line = m.group(1) + " <TS>";
            }
            lines.add(line);
        }
        return lines;
    }

    /** Runs tasks and plays the writer until nothing moves any more. */
    public void settle() {
        if (writerStarted) {
            channel.runPendingTasks();
            readOutbound();
            return;
        }
        for (;;) {
            channel.runPendingTasks();
            final long before = store.appliedCommands();
            store.drainAll();
            channel.runPendingTasks();
            if (store.appliedCommands() == before && store.queueDepth() == 0) {
                break;
            }
        }
        readOutbound();
    }

    /** With a started writer: waits (at most 10 s) until {@code count} commands were applied, then runs tasks. */
    public void awaitApplied(long count) {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (store.appliedCommands() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the writer applied " + store.appliedCommands() + " of " + count);
            }
            Thread.onSpinWait();
        }
        settle();
    }

    public List<Answer> takeAnswers() {
        readOutbound();
        final List<Answer> got = new ArrayList<>(answers);
        answers.clear();
        return got;
    }

    private void readOutbound() {
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            try {
                if (msg instanceof HttpResponse) {
                    partial = new Answer((HttpResponse) msg);
                }
                if (msg instanceof HttpContent) {
                    final ByteBuf content = ((HttpContent) msg).content();
                    final byte[] bytes = new byte[content.readableBytes()];
                    content.getBytes(content.readerIndex(), bytes);
                    partial.body.writeBytes(bytes);
                }
                if (msg instanceof LastHttpContent || msg instanceof FullHttpResponse) {
                    answers.add(partial);
                    partial = null;
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    public String log() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * Releases what is left outbound and finishes the channel; returns {@link EmbeddedChannel#finish()} (the test
     * asserts it is {@code false}). Then stops the store and releases its buffers.
     */
    public boolean finish() {
        settle();
        answers.clear();
        final boolean leftovers = channel.finish();
        if (writerStarted) {
            store.close();
        } else {
            store.onClose();
        }
        return leftovers;
    }

    /** A whole response as the client would see it. */
    public static final class Answer {
        public final int status;
        public final HttpHeaders headers;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Answer(HttpResponse response) {
            this.status = response.status().code();
            this.headers = response.headers().copy();
        }

        public byte[] bytes() {
            return body.toByteArray();
        }

        public String text() {
            return body.toString(StandardCharsets.UTF_8);
        }

        public String header(CharSequence name) {
            return headers.get(name);
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + text();
        }
    }
}
