package io.cairn.core.fuzz;

import io.cairn.core.model.MalformedPushException;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushDecoder;
import io.cairn.core.model.PushedFamily;
import io.cairn.core.model.PushedMetric;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Feeds a fuzzed body to a {@link PushDecoder} the ways the HTTP layer can deliver it (one chunk, random cuts, one
 * byte at a time; heap and direct buffers) and reduces each outcome to a string, so that the ways can be
 * compared. The cuts are drawn from a generator seeded with the body's hash: the same input always gives the same
 * cuts, which keeps a finding reproducible from its input file alone.
 */
final class PushBodyFeeder {
    /** Marks an outcome that is a rejection; the rest of the string is the message. */
    static final String REJECTED = "rejected: ";
    /** Marks an accepted body (a family may well be named {@code rejected:}); the dump follows. */
    static final String ACCEPTED = "accepted:\n";

    private PushBodyFeeder() {
    }

    /** Cut points for {@code body}: sorted, distinct, strictly inside the body; {@code salt} picks other ones. */
    static int[] randomCuts(byte[] body, int salt) {
        if (body.length < 2) {
            return new int[0];
        }
        final SplittableRandom random = new SplittableRandom(Arrays.hashCode(body) * 31L + salt);
        final int count = random.nextInt(Math.min(body.length - 1, 16)) + 1;
        return random.ints(count, 1, body.length).sorted().distinct().toArray();
    }

    /** Every position: one byte per chunk. */
    static int[] everyByte(byte[] body) {
        final int[] cuts = new int[Math.max(0, body.length - 1)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        return cuts;
    }

    /** How the chunks of a body are made. */
    enum Chunks {
        /**
         * Each chunk a buffer of the pooled allocator, heap or direct, as the HTTP codec hands them over: these are
         * tracked by the (paranoid) leak detector, which records a stack trace per buffer, so only for few chunks.
         */
        POOLED_HEAP, POOLED_DIRECT,
        /** Each chunk wraps a part of the body's array (a non-zero array offset); not tracked, cheap. */
        WRAPPED_HEAP,
        /** Each chunk copied into one reused direct buffer (the raw buffer under a leak-aware one); cheap. */
        REUSED_DIRECT
    }

    private static final ByteBuf DIRECT_TRACKED = PooledByteBufAllocator.DEFAULT.directBuffer(1 << 16);
    private static ByteBuf directTracked = DIRECT_TRACKED;
    private static ByteBuf direct = DIRECT_TRACKED.unwrap();

    /**
     * Decodes {@code body} cut at {@code cuts}, checking the contract on the way: each chunk is consumed whole and
     * neither retained nor released; after a rejection later chunks are consumed without an error; and
     * {@link PushDecoder#finish()} rethrows the same rejection.
     *
     * @return the dump of the content, or {@link #REJECTED} and the message
     */
    static String decode(PushDecoder decoder, PushContent content, byte[] body, int[] cuts, Chunks chunks) {
        content.reset();
        decoder.reset(content);
        MalformedPushException failure = null;
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            final int to = i < cuts.length ? cuts[i] : body.length;
            final ByteBuf chunk = chunk(body, from, to, chunks);
            try {
                try {
                    decoder.feed(chunk);
                } catch (MalformedPushException e) {
                    if (failure != null) {
                        throw new AssertionError("a second rejection after \"" + failure.getMessage() + "\"", e);
                    }
                    failure = e;
                }
                if (chunk.isReadable()) {
                    throw new AssertionError("the chunk " + from + ".." + to + " was not consumed");
                }
                if (chunk.refCnt() != 1) {
                    throw new AssertionError("the chunk " + from + ".." + to + " has refCnt " + chunk.refCnt());
                }
            } finally {
                if (chunks != Chunks.REUSED_DIRECT) {
                    chunk.release();
                }
            }
            from = to;
        }
        try {
            decoder.finish();
        } catch (MalformedPushException e) {
            if (failure != null && !failure.getMessage().equals(e.getMessage())) {
                throw new AssertionError("finish() threw \"" + e.getMessage() + "\" after \""
                    + failure.getMessage() + "\"", e);
            }
            return REJECTED + e.getMessage();
        }
        if (failure != null) {
            throw new AssertionError("finish() accepted the body after \"" + failure.getMessage() + "\"");
        }
        return ACCEPTED + dump(content);
    }

    private static ByteBuf chunk(byte[] body, int from, int to, Chunks chunks) {
        final int length = to - from;
        switch (chunks) {
            case POOLED_HEAP:
                return PooledByteBufAllocator.DEFAULT.heapBuffer(length).writeBytes(body, from, length);
            case POOLED_DIRECT:
                return PooledByteBufAllocator.DEFAULT.directBuffer(length).writeBytes(body, from, length);
            case WRAPPED_HEAP:
                return Unpooled.wrappedBuffer(body, from, length);
            default:
                if (direct.capacity() < length) {
                    // the tracked wrapper stays referenced from a static field while in use: never reported
                    directTracked.release();
                    directTracked = PooledByteBufAllocator.DEFAULT.directBuffer(length);
                    direct = directTracked.unwrap();
                }
                return direct.setIndex(0, 0).writeBytes(body, from, length);
        }
    }

    /** A canonical text form of a push: one line per family, one indented line per metric; doubles as raw bits. */
    static String dump(PushContent content) {
        final StringBuilder out = new StringBuilder();
        for (int f = 0; f < content.familyCount(); f++) {
            final PushedFamily family = content.family(f);
            if (content.family(family.name()) != family) {
                throw new AssertionError("family \"" + family.name() + "\" is not found by its name");
            }
            out.append(family.name()).append(' ').append(family.type()).append(" help=").append(family.help())
                .append('\n');
            for (int m = 0; m < family.metricCount(); m++) {
                final PushedMetric metric = family.metric(m);
                out.append("  {");
                for (int l = 0; l < metric.labelCount(); l++) {
                    out.append(l == 0 ? "" : ",").append(metric.labelName(l)).append('=').append(metric.labelValue(l));
                }
                out.append("} ").append(bits(metric.value()));
                for (int q = 0; q < metric.quantileCount(); q++) {
                    out.append(" q").append(bits(metric.quantile(q))).append('=').append(bits(metric.quantileValue(q)));
                }
                for (int b = 0; b < metric.bucketCount(); b++) {
                    out.append(" le").append(bits(metric.upperBound(b))).append('=')
                        .append(Long.toUnsignedString(metric.cumulativeCount(b)));
                }
                out.append(" sum=").append(bits(metric.sampleSum()))
                    .append(" count=").append(Long.toUnsignedString(metric.sampleCount()));
                if (metric.hasTimestamp()) {
                    out.append(" @").append(metric.timestampMs());
                }
                if (metric.source() != null) {
                    out.append(" source#").append(Integer.toHexString(metric.source().hashCode()));
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static String bits(double value) {
        return Long.toHexString(Double.doubleToRawLongBits(value));
    }
}
