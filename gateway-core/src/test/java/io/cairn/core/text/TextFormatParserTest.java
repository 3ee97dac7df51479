package io.cairn.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.core.model.MetricType;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushDump;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

/**
 * Bodies the Go Pushgateway 1.5.1 accepts, and what expfmt makes of them. Each body is parsed twice on the same
 * parser and also cut at every byte boundary and fed byte by byte: all must give the same content.
 */
class TextFormatParserTest {
    private final TextFormatParser parser = new TextFormatParser();
    private final PushContent content = new PushContent();

    /** Parses {@code body} every way and returns the dump of the content, checking that all ways agree. */
    private String parse(byte[] body) throws ParseException {
        TextBodies.parse(parser, content, body, false);
        final String dump = dump(content);
        TextBodies.parse(parser, content, body, true);
        assertEquals(dump, dump(content), "second run, direct buffer");
        for (int cut = 0; cut <= body.length; cut++) {
            TextBodies.parse(parser, content, body, cut % 2 == 0, cut);
            assertEquals(dump, dump(content), "cut at " + cut);
        }
        TextBodies.parseBytewise(parser, content, body, false);
        assertEquals(dump, dump(content), "byte by byte");
        TextBodies.parse(parser, content, body, false);
        return dump;
    }

    private String parse(String latin1) throws ParseException {
        return parse(TextBodies.bytes(latin1));
    }

    static String dump(PushContent content) {
        return PushDump.of(content);
    }

    @Test
    void shouldAcceptEmptyAndBlankBodies() throws ParseException {
        assertEquals("", parse(""));
        assertEquals("", parse("\n\n"));
        assertEquals("", parse("  \t"));
        assertEquals("", parse(" \n\t\n  "));
    }

    @Test
    void shouldParseCountersGaugesAndUntyped() throws ParseException {
        assertEquals(""
                + "requests_total COUNTER help=Requests served.\n"
                + "  {method=get,code=200} 1027.0 @1395066363000\n"
                + "  {method=post,code=400} 3.0\n"
                + "temperature GAUGE\n"
                + "  {} -3.5\n"
                + "untyped_thing UNTYPED\n"
                + "  {a=b} 1.0\n"
                + "  {a=c} 2.0\n",
            parse("# HELP requests_total Requests served.\n"
                + "# TYPE requests_total counter\n"
                + "requests_total{method=\"get\",code=\"200\"} 1027 1395066363000\n"
                + "requests_total{method=\"post\",code=\"400\"}    3\n"
                + "\n"
                + "# TYPE temperature gauge\n"
                + "temperature -3.5\n"
                + "untyped_thing{a=\"b\"} 1\n"
                + "untyped_thing{a=\"c\"} 2\n"));
    }

    @Test
    void shouldKeepLabelsInTheOrderWritten() throws ParseException {
        assertEquals("a UNTYPED\n  {z=1,a=2,m=3} 1.0\n", parse("a{z=\"1\",a=\"2\",m=\"3\"} 1\n"));
    }

    @Test
    void shouldAcceptBlanksTabsAndATrailingCommaWhereExpfmtDoes() throws ParseException {
        assertEquals("a UNTYPED\n  {b=c,d=e} 1.0 @-5\n",
            parse(" \ta { b = \"c\" ,\td=\"e\", }\t1\t -5\n"));
        assertEquals("a UNTYPED\n  {b=c} 2.0\n", parse("a{b=\"c\"}2\n"));
        assertEquals("a UNTYPED\n  {} 1.0\n", parse("a{} 1\n"));
        assertEquals("a UNTYPED\n  {} 1.0\n", parse("a 1\n   "), "trailing blanks without a newline");
    }

    @Test
    void shouldUnescapeLabelValuesAndHelp() throws ParseException {
        assertEquals("a UNTYPED help=x\\y\nz\"\n  {b=q\"\\\nr} 1.0\n",
            parse("# HELP a x\\\\y\\nz\"\na{b=\"q\\\"\\\\\\nr\"} 1\n"));
    }

    @Test
    void shouldAcceptUtf8LabelValues() throws ParseException {
        final byte[] body = TextBodies.utf8("a{b=\"h\u00e9llo \u20ac \ud83d\ude00\"} 1\n");
        assertEquals("a UNTYPED\n  {b=h\u00e9llo \u20ac \ud83d\ude00} 1.0\n", parse(body));
    }

    @Test
    void shouldKeepTheCarriageReturnOfACrlfHelpLine() throws ParseException {
        assertEquals("a UNTYPED help=x\r\n  {} 1.0\n", parse("# HELP a x\r\na 1\n"));
    }

    @Test
    void shouldIgnoreCommentsAndEmptyHelpOrType() throws ParseException {
        assertEquals("a UNTYPED help=second\n  {} 1.0\n",
            parse("#\n#   \n# just a comment, with \"quotes\n  # HELP\n# TYPE\n# HELP a\n# HELP a   \n"
                + "# TYPE a\n# HELP a second\n# random\ta b c\na 1\n"));
    }

    @Test
    void shouldAcceptHelpAfterSamples() throws ParseException {
        assertEquals("a UNTYPED help=late\n  {} 1.0\n", parse("a 1\n# HELP a late\n"));
    }

    @Test
    void shouldDropFamiliesWithoutSamples() throws ParseException {
        assertEquals("b UNTYPED\n  {} 2.0\n", parse("# HELP a only help\n# TYPE c counter\nb 2\n"));
    }

    @Test
    void shouldOrderFamiliesByFirstSample() throws ParseException {
        assertEquals("b UNTYPED\n  {} 1.0\n  {x=1} 3.0\na COUNTER\n  {} 2.0\n",
            parse("# TYPE a counter\nb 1\na 2\nb{x=\"1\"} 3\n"));
    }

    @Test
    void shouldParseSpecialFloats() throws ParseException {
        assertEquals("a UNTYPED\n  {v=1} NaN\n  {v=2} Infinity\n  {v=3} -Infinity\n  {v=4} Infinity\n"
                + "  {v=5} NaN\n  {v=6} Infinity\n  {v=7} 1000000.0\n  {v=8} 0.5\n  {v=9} 5.0\n  {v=10} 5.0\n",
            parse("a{v=\"1\"} NaN\na{v=\"2\"} +Inf\na{v=\"3\"} -Inf\na{v=\"4\"} Inf\na{v=\"5\"} nan\n"
                + "a{v=\"6\"} infinity\na{v=\"7\"} 1e6\na{v=\"8\"} .5\na{v=\"9\"} 5.\na{v=\"10\"} +5\n"));
    }

    @Test
    void shouldMergeSummaryLinesWithTheSameLabels() throws ParseException {
        assertEquals(""
                + "s SUMMARY help=A summary.\n"
                + "  {a=1,b=2} q0.5=1.0 q0.9=3.0 sum=10.0 count=4\n"
                + "  {a=2} q0.5=2.0 sum=0.0 count=5\n",
            parse("# HELP s A summary.\n# TYPE s summary\n"
                + "s{a=\"1\",b=\"2\",quantile=\"0.5\"} 1\n"
                + "s{quantile=\"0.5\",a=\"2\"} 2\n"
                + "s_sum{b=\"2\",a=\"1\"} 10\n"
                + "s{b=\"2\",quantile=\"0.9\",a=\"1\"} 3\n"
                + "s_count{a=\"1\",b=\"2\"} 4\n"
                + "s_count{a=\"2\"} 5.9\n"));
    }

    @Test
    void shouldDropNanQuantilesAndKeepTheLastOfRepeatedQuantileLabels() throws ParseException {
        // expfmt does not count quantile among the labels, so a repeated quantile is no duplicate: the last wins
        assertEquals("s SUMMARY\n  {} q0.9=2.0 sum=0.0 count=0\n  {le=1} sum=0.0 count=0\n",
            parse("# TYPE s summary\ns{quantile=\"NaN\"} 1\ns{quantile=\"0.5\",quantile=\"0.9\"} 2\ns 3\n"
                + "s{le=\"1\"} 4\n"));
    }

    @Test
    void shouldParseHistograms() throws ParseException {
        assertEquals(""
                + "h HISTOGRAM\n"
                + "  {x=a} le0.5=1 le1.0=3 leInfinity=4 le2.0=7 sum=9.5 count=1000\n"
                + "  {} sum=0.0 count=0\n",
            parse("# TYPE h histogram\n"
                + "h_bucket{x=\"a\",le=\"0.5\"} 1\n"
                + "h_bucket{le=\"1\",x=\"a\"} 3.9\n"
                + "h_bucket{x=\"a\",le=\"+Inf\"} 4\n"
                + "h_sum{x=\"a\"} 9.5\n"
                + "h_count{x=\"a\"} 1e3\n"
                + "h{x=\"a\",le=\"2\"} 7\n"
                + "h_bucket 3\n"
                + "h_bucket{le=\"NaN\"} 5\n"));
    }

    @Test
    void shouldTreatQuantileAndLeAsLabelsElsewhere() throws ParseException {
        assertEquals("g GAUGE\n  {quantile=x,le=y} 1.0\nh HISTOGRAM\n  {quantile=0.5} le1.0=2 sum=0.0 count=0\n",
            parse("# TYPE g gauge\ng{quantile=\"x\",le=\"y\"} 1\n# TYPE h histogram\n"
                + "h_bucket{quantile=\"0.5\",le=\"1\"} 2\n"));
    }

    @Test
    void shouldKeepSumAndCountWithoutTypeAsSeparateFamilies() throws ParseException {
        assertEquals("x_sum UNTYPED\n  {} 1.0\nx_count UNTYPED\n  {} 2.0\nx UNTYPED\n  {} 3.0\n"
                + "y_count UNTYPED\n  {} 4.0\n",
            parse("x_sum 1\nx_count 2\nx 3\n# TYPE y gauge\ny_count 4\n"));
    }

    @Test
    void shouldResolveCommentNamesLikeSampleNames() throws ParseException {
        // the HELP for s_count documents s; a family created by HELP alone still wins a later lookup by name
        assertEquals("s SUMMARY help=of s\n  {} sum=0.0 count=3\nt_count UNTYPED help=c\n  {} 4.0\n",
            parse("# TYPE s summary\n# HELP s_count of s\ns_count 3\n# HELP t_count c\n# TYPE t summary\nt_count 4\n"));
    }

    @Test
    void shouldUpperCaseTypesAsGoDoes() throws ParseException {
        // strings.ToUpper maps U+017F (long s) to S and U+0131 (dotless i) to I
        assertEquals("a COUNTER\n  {} 1.0\ns SUMMARY\n  {} sum=0.0 count=1\nh HISTOGRAM\n  {} sum=0.0 count=2\n",
            parse(TextBodies.utf8("# TYPE a Counter\na 1\n# TYPE s \u017fummary\ns_count 1\n"
                + "# TYPE h H\u0131STOGRAM\nh_count 2\n")));
    }

    @Test
    void shouldAcceptGaugeHistogramTypeButRejectItsSamples() throws ParseException {
        assertEquals("a UNTYPED\n  {} 1.0\n", parse("# TYPE x gauge_histogram\na 1\n"));
        final ParseException e = assertThrows(ParseException.class,
            () -> TextBodies.parse(parser, content, TextBodies.bytes("# TYPE x GAUGE_HISTOGRAM\nx 1\n"), false));
        assertEquals("text format parsing error in line 2: unexpected type for metric name \"x\"", e.getMessage());
    }

    @Test
    void shouldConvertCountsAsGoOnAmd64() throws ParseException {
        // recorded from the 1.5.1 binary via /api/v1/metrics
        assertEquals("s SUMMARY\n"
                + "  {a=1} sum=0.0 count=18446744073709551615\n"
                + "  {a=2} sum=0.0 count=9223372036854775808\n"
                + "  {a=3} sum=0.0 count=9223372036854775808\n"
                + "  {a=4} sum=0.0 count=10000000000000000000\n"
                + "  {a=5} sum=0.0 count=9223372036854775808\n"
                + "  {a=6} sum=0.0 count=9223372036854775808\n"
                + "  {a=7} sum=0.0 count=0\n"
                + "  {a=8} sum=0.0 count=1\n"
                + "  {a=9} sum=0.0 count=9223372036854775808\n"
                + "  {a=10} sum=0.0 count=9223372036854775808\n"
                + "  {a=11} sum=0.0 count=9223372036854775808\n"
                + "  {a=12} sum=0.0 count=18446744073709551615\n",
            parse("# TYPE s summary\ns_count{a=\"1\"} -1\ns_count{a=\"2\"} NaN\ns_count{a=\"3\"} +Inf\n"
                + "s_count{a=\"4\"} 1e19\ns_count{a=\"5\"} 1e20\ns_count{a=\"6\"} -1e19\ns_count{a=\"7\"} -0.5\n"
                + "s_count{a=\"8\"} 1.9\ns_count{a=\"9\"} -Inf\ns_count{a=\"10\"} 18446744073709551615\n"
                + "s_count{a=\"11\"} -9223372036854775808\ns_count{a=\"12\"} -1.5\n"));
    }

    @Test
    void shouldRecordTimestamps() throws ParseException {
        assertEquals("a UNTYPED\n  {} 1.0 @9223372036854775807\n  {} 2.0 @-9223372036854775808\n  {} 3.0 @7\n",
            parse("a 1 9223372036854775807\na 2 -9223372036854775808\na 3 +0007\n"));
    }

    @Test
    void shouldAcceptLongLabelValues() throws ParseException {
        final char[] value = new char[20_000];
        Arrays.fill(value, 'v');
        final String longValue = new String(value);
        final byte[] body = TextBodies.bytes("a{b=\"" + longValue + "\",c=\"x\\\"" + longValue + "\"} 1\nb 2\n");
        TextBodies.parse(parser, content, body, false);
        assertEquals(longValue, content.family(0).metric(0).labelValue(0));
        assertEquals("x\"" + longValue, content.family(0).metric(0).labelValue(1));
        for (int cut : new int[] {1, 7, 10_000, 20_006, 30_000, body.length - 3}) {
            TextBodies.parse(parser, content, body, cut % 2 == 0, cut, cut + 1, cut + 2);
            assertEquals(longValue, content.family(0).metric(0).labelValue(0));
            assertEquals("x\"" + longValue, content.family(0).metric(0).labelValue(1));
            assertEquals(2.0, content.family("b").metric(0).value());
        }
    }

    @Test
    void shouldDecodeInvalidUtf8InHelpWithReplacementCharacters() throws ParseException {
        // expfmt keeps the bytes; a Java String cannot
        assertEquals("a UNTYPED help=x\ufffdy\n  {} 1.0\n", parse("# HELP a x\u00ffy\na 1\n"));
    }

    @Test
    void shouldInternNamesAcrossPushes() throws ParseException {
        final byte[] body = TextBodies.bytes("some_metric{some_label=\"v\"} 1\n");
        TextBodies.parse(parser, content, body, false);
        final String name = content.family(0).name();
        final String label = content.family(0).metric(0).labelName(0);
        final PushContent other = new PushContent();
        TextBodies.parse(parser, other, body, true);
        assertSame(name, other.family(0).name());
        assertSame(label, other.family(0).metric(0).labelName(0));
    }

    @Test
    void shouldReuseTheContentAfterReset() throws ParseException {
        parse("# TYPE s summary\ns{quantile=\"0.5\"} 1\n");
        assertEquals("b UNTYPED\n  {} 2.0\n", parse("b 2\n"));
        assertNull(content.family("s"));
    }

    @Test
    void shouldLeaveChunksUnreleased() throws ParseException {
        final ByteBuf chunk = Unpooled.copiedBuffer(TextBodies.bytes("a 1\nb"));
        try {
            content.reset();
            parser.reset(content);
            parser.feed(chunk);
            assertEquals(1, chunk.refCnt());
            final ByteBuf rest = Unpooled.copiedBuffer(TextBodies.bytes(" 2\n"));
            try {
                parser.feed(rest);
            } finally {
                rest.release();
            }
            parser.finish();
        } finally {
            chunk.release();
        }
        assertEquals(2, content.familyCount());
        assertTrue(content.family("b").type() == MetricType.UNTYPED);
    }

    @Test
    void shouldConvertLikeGoUint64() {
        assertEquals(-1L, TextFormatParser.goUint64(-1.0));
        assertEquals(Long.MIN_VALUE, TextFormatParser.goUint64(Double.NaN));
        assertEquals(Long.MIN_VALUE, TextFormatParser.goUint64(0x1p64));
        assertEquals(Long.MIN_VALUE | 1L << 62, TextFormatParser.goUint64(0x1.8p63));
        assertEquals(0L, TextFormatParser.goUint64(-0.9));
        assertEquals(42L, TextFormatParser.goUint64(42.99));
    }
}
