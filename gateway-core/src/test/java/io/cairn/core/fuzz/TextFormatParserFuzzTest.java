package io.cairn.core.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cairn.core.fuzz.PushBodyFeeder.Chunks;
import io.cairn.core.model.PushContent;
import io.cairn.core.testing.LeakRecorder;
import io.cairn.core.text.TextFormatParser;

import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of {@link TextFormatParser}: any body is either parsed or rejected with expfmt's
 * {@code text format parsing error in line N: ...}, never with another exception, and the outcome does not depend
 * on how the body is cut into chunks nor on whether the chunks are heap or direct buffers. The parser instance is
 * reused from input to input, as it is per event loop. Seeds: {@code TextFormatParserFuzzTestInputs/} (bodies of
 * the parser tests and the error catalog); findings land there too and run as regression tests.
 */
class TextFormatParserFuzzTest {
    private static final String ERROR_PREFIX = PushBodyFeeder.REJECTED + "text format parsing error in line ";

    private final TextFormatParser parser = new TextFormatParser();
    private final PushContent content = new PushContent();

    @AfterAll
    static void shouldLeakNoBuffer() {
        LeakRecorder.assertNoLeaks();
    }

    @FuzzTest(maxDuration = "20s")
    void shouldParseOrRejectAlikeHoweverTheBodyIsCut(byte[] body) {
        final String whole = PushBodyFeeder.decode(parser, content, body, new int[0], Chunks.POOLED_HEAP);
        if (whole.startsWith(PushBodyFeeder.REJECTED)) {
            assertTrue(whole.startsWith(ERROR_PREFIX), whole);
        }
        assertEquals(whole, decode(body, PushBodyFeeder.randomCuts(body, 1), Chunks.POOLED_DIRECT), "direct chunks");
        assertEquals(whole, decode(body, PushBodyFeeder.randomCuts(body, 2), Chunks.WRAPPED_HEAP), "heap chunks");
        assertEquals(whole, decode(body, PushBodyFeeder.everyByte(body), Chunks.REUSED_DIRECT), "byte by byte");
    }

    private String decode(byte[] body, int[] cuts, Chunks chunks) {
        return PushBodyFeeder.decode(parser, content, body, cuts, chunks);
    }
}
