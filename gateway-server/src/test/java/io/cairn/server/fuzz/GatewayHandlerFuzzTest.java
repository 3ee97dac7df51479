package io.cairn.server.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cairn.core.model.MalformedPushException;
import io.cairn.core.model.PushContent;
import io.cairn.core.testing.LeakRecorder;
import io.cairn.core.text.TextFormatParser;
import io.cairn.server.http.GatewayHarness;
import io.cairn.server.http.GatewayHarness.Answer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of whole requests through the {@code GatewayHandler} (in an {@code EmbeddedChannel},
 * see {@link GatewayHarness}). An input is one or more requests, separated by a line {@value #NEXT_REQUEST}, each
 * written as on the wire and read as ISO-8859-1:
 * <pre>
 *   PUT /metrics/job/j/instance/i
 *   Content-Type: application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited
 *   X-Fuzz-Encode: gzip
 *   X-Fuzz-Chunk: 7
 *
 *   body bytes...
 * </pre>
 * {@code X-Fuzz-Encode: gzip|snappy} compresses the body and sets {@code Content-Encoding} (unless the input sets
 * one); {@code X-Fuzz-Chunk: N} sends it in chunks of N bytes, else it comes whole with a {@code Content-Length}.
 * A request line or a header that Netty's codec could not have produced (an invalid method token or header) is
 * left out; so is {@code Connection}, to keep the one channel open.
 *
 * <p>Invariants: no exception leaves the pipeline, the channel stays open without an "unexpected error", every
 * request gets exactly one answer, afterwards a scrape answers 200 with a body that {@link TextFormatParser}
 * accepts, and nothing is left in the channel. Buffer leaks (paranoid detection, {@link LeakRecorder}) are checked
 * once all inputs have run. Seeds: {@code GatewayHandlerFuzzTestInputs/}.
 */
class GatewayHandlerFuzzTest {
    static final String NEXT_REQUEST = "\n#####\n";
    private static final byte[] NEXT = NEXT_REQUEST.getBytes(StandardCharsets.ISO_8859_1);
    private static final int MAX_REQUESTS = 4;

    private final TextFormatParser scrapeParser = new TextFormatParser();
    private final PushContent scrapeContent = new PushContent();

    @AfterAll
    static void shouldLeakNoBuffer() {
        LeakRecorder.assertNoLeaks();
    }

    @FuzzTest(maxDuration = "20s")
    void shouldAnswerEveryRequestAndStillScrape(byte[] input) {
        final GatewayHarness gateway = new GatewayHarness();
        try {
            int from = 0;
            for (int n = 0; n < MAX_REQUESTS && from <= input.length; n++) {
                int to = indexOf(input, NEXT, from);
                if (to < 0) {
                    to = input.length;
                }
                final Object[] msgs = request(Arrays.copyOfRange(input, from, to));
                if (msgs != null) {
                    final List<Answer> answers = gateway.send(msgs);
                    // an interim 100 Continue (Expect: 100-continue) may come before the one final answer
                    if (answers.size() == 2 && answers.get(0).status == 100) {
                        answers.remove(0);
                    }
                    assertEquals(1, answers.size(), () -> "answers: " + answers);
                    final int status = answers.get(0).status;
                    assertTrue(status >= 200 && status < 600, () -> "status " + status);
                    assertHealthy(gateway);
                }
                from = to + NEXT.length;
            }
            final Answer scrape = gateway.get("/metrics");
            assertEquals(200, scrape.status, scrape::toString);
            assertHealthy(gateway);
            scrapeContent.reset();
            scrapeParser.reset(scrapeContent);
            final ByteBuf body = Unpooled.wrappedBuffer(scrape.bytes());
            try {
                scrapeParser.feed(body);
                scrapeParser.finish();
            } catch (MalformedPushException e) {
                throw new AssertionError("the scrape does not parse: " + e.getMessage() + "\n" + scrape.text(), e);
            }
        } finally {
            assertFalse(gateway.finish(), "messages left in the channel");
        }
    }

    private static void assertHealthy(GatewayHarness gateway) {
        assertTrue(gateway.channel.isActive(), () -> "the channel was closed; log:\n" + gateway.log());
        assertFalse(gateway.log().contains("msg=\"closing connection after an unexpected error\""), gateway::log);
    }

    /** The messages of one request, or {@code null} when Netty's codec could not have produced it. */
    private static Object[] request(byte[] raw) {
        int headerEnd = indexOf(raw, new byte[] {'\n', '\n'}, 0);
        final int bodyStart;
        if (headerEnd < 0) {
            headerEnd = raw.length;
            bodyStart = raw.length;
        } else {
            bodyStart = headerEnd + 2;
        }
        final String[] lines = new String(raw, 0, headerEnd, StandardCharsets.ISO_8859_1).split("\r?\n", -1);
        final String requestLine = lines[0];
        final int space = requestLine.indexOf(' ');
        final HttpRequest request;
        try {
            final HttpMethod method = HttpMethod.valueOf(space < 0 ? "GET" : requestLine.substring(0, space));
            request = GatewayHarness.request(method, space < 0 ? requestLine : requestLine.substring(space + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
        String encode = "";
        int chunkBytes = 0;
        for (int i = 1; i < lines.length; i++) {
            final int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            final String name = lines[i].substring(0, colon).trim();
            final String value = lines[i].substring(colon + 1).trim();
            if (name.equalsIgnoreCase("X-Fuzz-Encode")) {
                encode = value;
            } else if (name.equalsIgnoreCase("X-Fuzz-Chunk")) {
                chunkBytes = parseChunkBytes(value);
            } else if (!name.equalsIgnoreCase("Connection")) {
                try {
                    request.headers().add(name, value);
                } catch (IllegalArgumentException e) {
                    // a header the codec would have rejected
                }
            }
        }
        byte[] body = Arrays.copyOfRange(raw, bodyStart, raw.length);
        if (encode.equalsIgnoreCase("gzip") || encode.equalsIgnoreCase("snappy")) {
            body = encode.equalsIgnoreCase("gzip") ? GatewayHarness.gzip(body) : GatewayHarness.snappyFramed(body);
            if (!request.headers().contains(HttpHeaderNames.CONTENT_ENCODING)) {
                request.headers().set(HttpHeaderNames.CONTENT_ENCODING, encode.toLowerCase(java.util.Locale.ROOT));
            }
        }
        return chunkBytes > 0 ? GatewayHarness.chunked(request, body, chunkBytes) : GatewayHarness.whole(request, body);
    }

    private static int parseChunkBytes(String value) {
        try {
            return Math.max(0, Math.min(Integer.parseInt(value), 1 << 16));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

}
