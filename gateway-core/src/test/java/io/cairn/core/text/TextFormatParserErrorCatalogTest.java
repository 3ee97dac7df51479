package io.cairn.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.core.model.PushContent;
import io.cairn.core.text.TextBodies.CatalogRow;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rejection the parser implements, with the message the Go Pushgateway 1.5.1 answers (recorded in
 * {@code text/error-catalog.txt} by {@code text/record-error-catalog.py}). Each body is parsed twice on the same
 * parser, in one chunk, in two chunks cut at every byte boundary (heap and direct buffers) and one byte at a time.
 */
class TextFormatParserErrorCatalogTest {
    private static final TextFormatParser PARSER = new TextFormatParser();
    private static List<CatalogRow> rows;

    @BeforeAll
    static void loadCatalog() throws IOException {
        rows = TextBodies.errorCatalog();
    }

    static Stream<CatalogRow> rows() throws IOException {
        return TextBodies.errorCatalog().stream();
    }

    @Test
    void shouldCoverEveryErrorMessage() {
        assertTrue(rows.size() >= 40, "rows: " + rows.size());
        final String[] messages = {
            "unexpected end of input stream",
            "invalid metric name in comment",
            "invalid metric name",
            "invalid label name for metric ",
            "label name \"__name__\" is reserved",
            "expected '=' after label name, found ",
            "duplicate label names for metric ",
            "expected '\"' at start of label value, found ",
            "invalid label value ",
            "label value \"",
            "invalid escape sequence '\\",
            "expected float as value for 'quantile' label, got ",
            "expected float as value for 'le' label, got ",
            "unexpected end of label value ",
            "expected float as value, got ",
            "expected integer as timestamp, got ",
            "spurious string after timestamp: ",
            "second HELP line for metric name ",
            "second TYPE line for metric name ",
            "unknown metric type ",
        };
        for (String message : messages) {
            assertTrue(rows.stream().anyMatch(row -> row.message.contains(": " + message)), message);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void shouldRejectAsTheGoPushgateway(CatalogRow row) {
        assertEquals(row.message, TextBodies.errorOf(PARSER, row.input, false));
        assertEquals(row.message, TextBodies.errorOf(PARSER, row.input, false), "second run on the same parser");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void shouldRejectTheSameWayWhereverTheBodyIsCut(CatalogRow row) {
        for (int cut = 0; cut <= row.input.length; cut++) {
            assertEquals(row.message, TextBodies.errorOf(PARSER, row.input, false, cut), "heap, cut at " + cut);
            assertEquals(row.message, TextBodies.errorOf(PARSER, row.input, true, cut), "direct, cut at " + cut);
        }
        for (boolean direct : new boolean[] {false, true}) {
            try {
                TextBodies.parseBytewise(PARSER, new PushContent(), row.input, direct);
                throw new AssertionError("accepted byte by byte");
            } catch (ParseException e) {
                assertEquals(row.message, e.getMessage(), "byte by byte");
            }
        }
    }

    @Test
    void shouldHaveNoStackTrace() {
        final ParseException e = assertThrows(ParseException.class,
            () -> TextBodies.parse(PARSER, new PushContent(), TextBodies.bytes("a 1"), false));
        assertEquals(0, e.getStackTrace().length);
        assertEquals(1, e.lineNumber());
    }

    @Test
    void shouldIgnoreInputAfterAFailureAndRethrowOnFinish() throws ParseException {
        final TextFormatParser parser = new TextFormatParser();
        final PushContent content = new PushContent();
        parser.reset(content);
        final ByteBuf bad = Unpooled.copiedBuffer(TextBodies.bytes("a{1} 1\n"));
        final ByteBuf more = Unpooled.copiedBuffer(TextBodies.bytes("b 2\n"));
        try {
            final ParseException first = assertThrows(ParseException.class, () -> parser.feed(bad));
            parser.feed(more);
            assertFalse(more.isReadable());
            assertEquals(first, assertThrows(ParseException.class, parser::finish));
        } finally {
            bad.release();
            more.release();
        }
        content.reset();
        parser.reset(content);
        final ByteBuf good = Unpooled.copiedBuffer(TextBodies.bytes("b 2\n"));
        try {
            parser.feed(good);
        } finally {
            good.release();
        }
        parser.finish();
        assertEquals(1, content.familyCount());
    }
}
