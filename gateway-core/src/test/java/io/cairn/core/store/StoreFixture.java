package io.cairn.core.store;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.MetricType;
import io.cairn.core.model.PushContent;
import io.cairn.core.render.PushEncoder;
import io.cairn.core.scrape.OwnFamily;
import io.cairn.core.scrape.ExpositionFormat;
import io.cairn.core.scrape.ScrapeComposer;
import io.cairn.core.testing.LeakRecorder;
import io.cairn.core.text.ParseException;
import io.cairn.core.text.TextFormatParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Drives a {@link GroupStore} on the test thread (its writer thread is not started): pushes text bodies, drains,
 * scrapes as text. Not thread-safe.
 */
final class StoreFixture implements AutoCloseable {
    static final PooledByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    final GroupStore store;
    private final TextFormatParser parser = new TextFormatParser();
    private final PushContent content = new PushContent();
    private final PushEncoder encoder = new PushEncoder();
    private long clockNs = 1_700_000_000_000_000_000L;
    private String lastResult;

    StoreFixture() {
        this(Map.of());
    }

    StoreFixture(Map<String, MetricType> reserved) {
        LeakRecorder.install();
        store = new GroupStore(ALLOC, reserved);
    }

    /** PUT ({@code replace}) or POST a text body to the group; returns the consistency error or null. */
    String push(boolean replace, GroupingKey key, String body) {
        offerPush(replace, key, body);
        store.drainAll();
        return lastResult;
    }

    String put(GroupingKey key, String body) {
        return push(true, key, body);
    }

    String post(GroupingKey key, String body) {
        return push(false, key, body);
    }

    void offerPush(boolean replace, GroupingKey key, String body) {
        content.reset();
        parser.reset(content);
        final ByteBuf buf = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            parser.feed(buf);
            parser.finish();
        } catch (ParseException e) {
            throw new AssertionError(e.getMessage());
        } finally {
            buf.release();
        }
        clockNs += 1_000_000_000L;
        final StoreCommand command = StoreCommand.push(key, replace, encoder.encode(key, content, ALLOC), clockNs,
                error -> lastResult = error);
        if (!store.offer(command)) {
            command.release();
            throw new AssertionError("queue full");
        }
    }

    void delete(GroupingKey key) {
        clockNs += 1_000_000_000L;
        store.offer(StoreCommand.delete(key, clockNs, null));
        store.drainAll();
    }

    void wipe() {
        store.offer(StoreCommand.wipe(clockNs, null));
        store.drainAll();
    }

    /** The text exposition of the store alone. */
    String scrape() {
        return scrape(store, List.of());
    }

    static String scrape(GroupStore store, List<OwnFamily> own) {
        final StringBuilder sb = new StringBuilder();
        ScrapeComposer.compose(store, own, ExpositionFormat.TEXT, false, ALLOC, piece -> {
            sb.append(piece.toString(StandardCharsets.UTF_8));
            piece.release();
        });
        return sb.toString();
    }

    /** The scrape without the two push timestamp families, whose values change. */
    String scrapeWithoutTimestamps() {
        final StringBuilder sb = new StringBuilder();
        for (String line : scrape().split("\n", -1)) {
            if (!line.isEmpty() && !line.contains("push_time_seconds") && !line.contains("push_failure_time_seconds")) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        store.onClose();
    }
}
