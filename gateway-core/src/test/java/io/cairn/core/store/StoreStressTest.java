package io.cairn.core.store;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushedFamily;
import io.cairn.core.proto.Metrics;
import io.cairn.core.render.PushEncoder;
import io.cairn.core.scrape.ExpositionFormat;
import io.cairn.core.scrape.ScrapeComposer;
import io.cairn.core.testing.LeakRecorder;
import io.cairn.core.text.ParseException;
import io.cairn.core.text.TextFormatParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Concurrent pushes, deletes and scrapes against the real writer thread, under paranoid leak detection. Every
 * scraped body must parse, hold every family once, and contain only values that some pusher pushed; at the end no
 * buffer may have leaked. Values encode (pusher, sequence) so that a read of a freed or reused buffer, which
 * would show foreign bytes, fails the check.
 */
class StoreStressTest {
    private static final int PUSHERS = 3;
    private static final int SCRAPERS = 2;
    private static final int GROUPS = 64;
    private static final long DURATION_MS = 4_000;

    @Test
    void shouldServeOnlyPushedValuesWhilePushesDeletesAndScrapesRace() throws Exception {
        LeakRecorder.install();
        final GroupStore store = new GroupStore(PooledByteBufAllocator.DEFAULT, Map.of());
        store.start();
        final AtomicBoolean stop = new AtomicBoolean();
        final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        final AtomicLong pushes = new AtomicLong();
        final AtomicLong scrapes = new AtomicLong();
        final AtomicLong samplesChecked = new AtomicLong();
        final List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < PUSHERS; p++) {
            final int pusher = p;
            threads.add(new Thread(() -> push(store, pusher, stop, pushes, failures), "pusher-" + p));
        }
        for (int s = 0; s < SCRAPERS; s++) {
            threads.add(new Thread(() -> scrape(store, stop, scrapes, samplesChecked, failures), "scraper-" + s));
        }
        threads.forEach(Thread::start);
        Thread.sleep(DURATION_MS);
        stop.set(true);
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        store.close();
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        assertTrue(pushes.get() > 1000, "pushes: " + pushes.get());
        assertTrue(scrapes.get() > 10, "scrapes: " + scrapes.get());
        assertTrue(samplesChecked.get() > 1000, "samples checked: " + samplesChecked.get());
        LeakRecorder.assertNoLeaks();
    }

    /** Pushes "g{…} <pusher>.<seq>" style values: integer part = pusher * 1e9 + sequence. */
    private static void push(GroupStore store, int pusher, AtomicBoolean stop, AtomicLong pushes,
                             ConcurrentLinkedQueue<Throwable> failures) {
        final PushEncoder encoder = new PushEncoder();
        final PushContent content = new PushContent();
        long seq = 0;
        try {
            while (!stop.get()) {
                final ThreadLocalRandom random = ThreadLocalRandom.current();
                final GroupingKey key = GroupingKey.of("job", "stress", "instance", "i" + random.nextInt(GROUPS));
                final int op = random.nextInt(20);
                if (op == 0) {
                    offer(store, StoreCommand.delete(key, System.nanoTime(), null));
                    continue;
                }
                content.reset();
                final long value = pusher * 1_000_000_000L + seq++;
                final PushedFamily gauge = content.addFamily("stress_gauge");
                gauge.type(io.cairn.core.model.MetricType.GAUGE);
                gauge.help("A value " + (value % 3));
                gauge.addMetric().value(value);
                final PushedFamily counter = content.addFamily("stress_total");
                counter.type(io.cairn.core.model.MetricType.COUNTER);
                for (int i = 0; i < 1 + random.nextInt(5); i++) {
                    final var m = counter.addMetric();
                    m.addLabel("n", Integer.toString(i));
                    m.value(value);
                }
                final CountDownLatch applied = new CountDownLatch(1);
                offer(store, StoreCommand.push(key, op % 2 == 0, encoder.encode(key, content, PooledByteBufAllocator.DEFAULT),
                        System.nanoTime(), error -> {
                            if (error != null) {
                                failures.add(new AssertionError("rejected: " + error));
                            }
                            applied.countDown();
                        }));
                if (!applied.await(10, TimeUnit.SECONDS)) {
                    failures.add(new AssertionError("push not applied in 10 s"));
                    return;
                }
                pushes.incrementAndGet();
            }
        } catch (Throwable t) {
            failures.add(t);
        }
    }

    private static void offer(GroupStore store, StoreCommand command) throws InterruptedException {
        while (!store.offer(command)) {
            Thread.sleep(1);
        }
    }

    private static void scrape(GroupStore store, AtomicBoolean stop, AtomicLong scrapes, AtomicLong checked,
                               ConcurrentLinkedQueue<Throwable> failures) {
        final TextFormatParser parser = new TextFormatParser();
        final PushContent content = new PushContent();
        try {
            boolean protobuf = false;
            while (!stop.get()) {
                protobuf = !protobuf;
                if (protobuf) {
                    scrapeProtobuf(store, checked, failures);
                    continue;
                }
                final List<ByteBuf> pieces = new ArrayList<>();
                ScrapeComposer.compose(store, List.of(), ExpositionFormat.TEXT, false, PooledByteBufAllocator.DEFAULT,
                        pieces::add);
                // hold the pieces a little, as a slow network write would, while the writer replaces buffers
                Thread.yield();
                final ByteBuf body = Unpooled.wrappedBuffer(pieces.toArray(new ByteBuf[0]));
                final String text;
                try {
                    text = body.toString(StandardCharsets.UTF_8);
                } finally {
                    body.release();
                }
                content.reset();
                parser.reset(content);
                final ByteBuf copy = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
                try {
                    parser.feed(copy);
                    parser.finish();
                } catch (ParseException e) {
                    failures.add(new AssertionError("scrape does not parse: " + e.getMessage() + "\n" + text));
                    return;
                } finally {
                    copy.release();
                }
                for (int f = 0; f < content.familyCount(); f++) {
                    final PushedFamily family = content.family(f);
                    if (family.name().startsWith("push_")) {
                        continue;
                    }
                    for (int m = 0; m < family.metricCount(); m++) {
                        final double value = family.metric(m).value();
                        final long v = (long) value;
                        if (v != value || v < 0 || v / 1_000_000_000L >= PUSHERS) {
                            failures.add(new AssertionError("value never pushed: " + value + " in " + family.name()));
                            return;
                        }
                        checked.incrementAndGet();
                    }
                }
                assertEquals(content.familyCount(), countHeaders(text), "each family exactly once");
                scrapes.incrementAndGet();
            }
        } catch (Throwable t) {
            failures.add(t);
        }
    }

    /** A protobuf scrape: every family message parses, each name once, only pushed values. */
    private static void scrapeProtobuf(GroupStore store, AtomicLong checked, ConcurrentLinkedQueue<Throwable> failures)
            throws java.io.IOException {
        final List<ByteBuf> pieces = new ArrayList<>();
        ScrapeComposer.compose(store, List.of(), ExpositionFormat.PROTOBUF, false, PooledByteBufAllocator.DEFAULT,
                pieces::add);
        Thread.yield();
        final ByteBuf body = Unpooled.wrappedBuffer(pieces.toArray(new ByteBuf[0]));
        final byte[] bytes;
        try {
            bytes = io.netty.buffer.ByteBufUtil.getBytes(body);
        } finally {
            body.release();
        }
        final java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(bytes);
        final java.util.Set<String> names = new java.util.HashSet<>();
        Metrics.MetricFamily family;
        while ((family = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
            if (!names.add(family.getName())) {
                failures.add(new AssertionError("family twice in a protobuf scrape: " + family.getName()));
                return;
            }
            if (family.getName().startsWith("push_")) {
                continue;
            }
            for (Metrics.Metric metric : family.getMetricList()) {
                final double value = metric.hasGauge() ? metric.getGauge().getValue() : metric.getCounter().getValue();
                final long v = (long) value;
                if (v != value || v < 0 || v / 1_000_000_000L >= PUSHERS) {
                    failures.add(new AssertionError("value never pushed: " + value + " in " + family.getName()));
                    return;
                }
                checked.incrementAndGet();
            }
        }
    }

    private static int countHeaders(String text) {
        int n = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                n++;
            }
        }
        return n;
    }
}
