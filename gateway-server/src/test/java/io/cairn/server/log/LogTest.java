package io.cairn.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T14:50:13.123456Z"), ZoneOffset.UTC);
    private static final String TS = "2026-11-25T14:50:13.123Z";

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);

    private Log log(Log.Level level, Log.Format format) {
        return Log.create(level, format, out, CLOCK);
    }

    private String lines() {
        final String text = captured.toString(StandardCharsets.UTF_8);
        captured.reset();
        return text;
    }

    @Test
    void shouldWriteLogfmtLikeGoKit() {
        final Log log = log(Log.Level.INFO, Log.Format.LOGFMT);
        log.info("Starting cairn", "version", "0.1.0", "listen", ":9091");
        assertEquals("ts=" + TS + " level=info msg=\"Starting cairn\" version=0.1.0 listen=:9091\n", lines());
        log.warn("x");
        assertEquals("ts=" + TS + " level=warn msg=x\n", lines());
        log.error("x", "err", new IllegalStateException("write queue is full"));
        assertEquals("ts=" + TS + " level=error msg=x err=\"write queue is full\"\n", lines());
        log.info("x", "a", 1, "b", 2.5, "c", true, "d", null, "e", 7L);
        assertEquals("ts=" + TS + " level=info msg=x a=1 b=2.5 c=true d=null e=7\n", lines());
    }

    @Test
    void shouldQuoteAndEscapeLogfmtValuesAsGoLogfmt() {
        final Log log = log(Log.Level.DEBUG, Log.Format.LOGFMT);
        final String[][] cases = {
                {"plain", "plain"},
                {"", ""},
                {"a b", "\"a b\""},
                {"a=b", "\"a=b\""},
                {"say \"hi\"", "\"say \\\"hi\\\"\""},
                {"back\\slash", "back\\slash"},
                {"back\\slash here", "\"back\\\\slash here\""},
                {"line\nbreak", "\"line\\nbreak\""},
                {"tab\there", "\"tab\\there\""},
                {"cr\r", "\"cr\\r\""},
                {"bell\u0007", "\"bell\\u0007\""},
                {"del\u007f", "\"del\\u007f\""},
                {"M\u00fcnchen", "M\u00fcnchen"},
                {"snow \u2603", "\"snow \u2603\""},
                {"emoji\ud83d\ude00", "emoji\ud83d\ude00"},
                {"lone\ud83d", "\"lone\\ufffd\""},
                {"repl\ufffd", "\"repl\\ufffd\""},
                {"null", "\"null\""},
                {"/metrics/job/j?x=1", "\"/metrics/job/j?x=1\""},
        };
        for (String[] c : cases) {
            log.debug("m", "k", c[0]);
            assertEquals("ts=" + TS + " level=debug msg=m k=" + c[1] + "\n", lines(), c[0]);
        }
    }

    @Test
    void shouldMarkMissingValuesAndSanitizeKeys() {
        final Log log = log(Log.Level.DEBUG, Log.Format.LOGFMT);
        log.debug("m", "a", 1, "dangling");
        assertEquals("ts=" + TS + " level=debug msg=m a=1 dangling=(MISSING)\n", lines());
        log.debug("m", "a key", 1, "", 2, "k=v", 3);
        assertEquals("ts=" + TS + " level=debug msg=m a_key=1 _=2 k_v=3\n", lines());
        log.log(Log.Level.WARN, "m", "a", 1);
        assertEquals("ts=" + TS + " level=warn msg=m a=1\n", lines());
    }

    @Test
    void shouldWriteJson() {
        final Log log = log(Log.Level.INFO, Log.Format.JSON);
        log.info("Starting cairn", "version", "0.1.0");
        assertEquals("{\"ts\":\"" + TS + "\",\"level\":\"info\",\"msg\":\"Starting cairn\",\"version\":\"0.1.0\"}\n",
                lines());
        log.error("m", "n", 42, "f", 0.5, "b", false, "nil", null, "nan", Double.NaN, "err",
                new RuntimeException("boom"), "dangling");
        assertEquals("{\"ts\":\"" + TS + "\",\"level\":\"error\",\"msg\":\"m\",\"n\":42,\"f\":0.5,\"b\":false,"
                + "\"nil\":null,\"nan\":\"NaN\",\"err\":\"boom\",\"dangling\":\"(MISSING)\"}\n", lines());
        log.warn("q\"uote\\ <&> \n\t\u0001 \u2028 \ud83d", "k", "M\u00fcnchen");
        assertEquals("{\"ts\":\"" + TS + "\",\"level\":\"warn\",\"msg\":\"q\\\"uote\\\\ <&> \\n\\t\\u0001 \\u2028 "
                + "\\ufffd\",\"k\":\"M\u00fcnchen\"}\n", lines());
    }

    @Test
    void shouldSkipDisabledLevels() {
        final Log log = log(Log.Level.WARN, Log.Format.LOGFMT);
        assertFalse(log.isEnabled(Log.Level.DEBUG));
        assertFalse(log.isEnabled(Log.Level.INFO));
        assertTrue(log.isEnabled(Log.Level.WARN));
        assertTrue(log.isEnabled(Log.Level.ERROR));
        log.debug("no");
        log.debug("no", "k", 1);
        log.info("no", "k", 1, "k2", 2);
        log.info("no", "k", 1, "k2", 2, "k3", 3);
        log.log(Log.Level.INFO, "no");
        assertEquals("", lines());
        log.warn("yes");
        log.error("yes");
        assertEquals("ts=" + TS + " level=warn msg=yes\nts=" + TS + " level=error msg=yes\n", lines());
    }

    @Test
    void shouldParseFlagSpellings() {
        assertEquals(Log.Level.DEBUG, Log.Level.fromLabel("debug"));
        assertEquals(Log.Level.ERROR, Log.Level.fromLabel("error"));
        assertEquals(null, Log.Level.fromLabel("DEBUG"));
        assertEquals(null, Log.Level.fromLabel("warning"));
        assertEquals(Log.Format.JSON, Log.Format.fromLabel("json"));
        assertEquals(null, Log.Format.fromLabel("xml"));
    }

    @Test
    void shouldNotInterleaveLinesFromManyThreads() throws InterruptedException {
        final Log log = log(Log.Level.INFO, Log.Format.LOGFMT);
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            final int id = t;
            threads.add(new Thread(() -> {
                for (int i = 0; i < 500; i++) {
                    log.info("concurrent message", "thread", id, "i", i);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        final String[] lines = lines().split("\n");
        assertEquals(8 * 500, lines.length);
        for (String line : lines) {
            assertTrue(line.matches("ts=" + TS + " level=info msg=\"concurrent message\" thread=\\d i=\\d+"), line);
        }
    }
}
