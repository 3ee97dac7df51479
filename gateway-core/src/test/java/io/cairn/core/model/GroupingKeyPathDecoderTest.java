package io.cairn.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One row per input: the path after {@code /metrics/job} and either the grouping key ({@code {a="1",job="j"}}) or
 * the error ({@code 400 <exact body without the newline>}, or the kind for answers that are not the handler's).
 * Rows marked "go" were checked against prometheus-pushgateway 1.5.1 (a PUT of {@code a 1\n}, then the 400 body or
 * the labels of {@code /api/v1/metrics}); "cairn" rows are where Cairn rejects what Go accepts and then cannot
 * scrape; "src" rows (UTF-8 names, added in 1.11.0) follow the upstream source.
 */
class GroupingKeyPathDecoderTest {

    static Stream<Arguments> legacyNames() {
        return Stream.of(
                // go: plain and percent-decoded segments
                row("/j", "{job=\"j\"}"),
                row("/my%20job/instance/a%20b", "{instance=\"a b\",job=\"my job\"}"),
                row("/j/city/M%C3%BCnchen", "{city=\"München\",job=\"j\"}"),
                row("/a+b/v/1+1", "{job=\"a+b\",v=\"1+1\"}"),
                row("/j/x/y%3Fz", "{job=\"j\",x=\"y?z\"}"),
                row("/j%3F/x/y", "{job=\"j?\",x=\"y\"}"),
                row("/%20", "{job=\" \"}"),
                row("/j/%41/x", "{A=\"x\",job=\"j\"}"),
                row("/j/x/%00", "{job=\"j\",x=\"\u0000\"}"),
                row("/nothing/instance/x", "{instance=\"x\",job=\"nothing\"}"),
                row("/j/a/1/b/2", "{a=\"1\",b=\"2\",job=\"j\"}"),
                row("/j/b/2/a/1", "{a=\"1\",b=\"2\",job=\"j\"}"),
                row("/j/long/" + "y".repeat(3000), "{job=\"j\",long=\"" + "y".repeat(3000) + "\"}"),
                row("/j/instance/i/zone/z1/rack/r7", "{instance=\"i\",job=\"j\",rack=\"r7\",zone=\"z1\"}"),
                // go: trailing slash, repeated names, job among the labels
                row("/j/", "{job=\"j\"}"),
                row("/j/a/", "{a=\"\",job=\"j\"}"),
                row("/j/a/1/a/2", "{a=\"2\",job=\"j\"}"),
                row("/j/job/other", "{job=\"j\"}"),
                row("/j/job/%ff", "{job=\"j\"}"),
                row("/j/a/%ff/a/ok", "{a=\"ok\",job=\"j\"}"),
                // go: %2F is a separator
                row("/a%2Fb", "400 odd number of components in label string \"/b\""),
                row("/j/a/b%2F", "400 odd number of components in label string \"/a/b/\""),
                row("%40base64/YQ", "{job=\"a\"}"),
                // go: base64
                row("@base64/YS9i", "{job=\"a/b\"}"),
                row("/j/path@base64/L3Zhci90bXA", "{job=\"j\",path=\"/var/tmp\"}"),
                row("/j/path@base64/L2EvYg", "{job=\"j\",path=\"/a/b\"}"),
                row("/j/name@base64/Z3LDvMOfZSDimIM", "{job=\"j\",name=\"grüße ☃\"}"),
                row("/j/instance@base64/=", "{instance=\"\",job=\"j\"}"),
                row("/j/x@base64/YQ==", "{job=\"j\",x=\"a\"}"),
                row("/j/x@base64/YQ=", "{job=\"j\",x=\"a\"}"),
                row("/j/x@base64/YQ", "{job=\"j\",x=\"a\"}"),
                row("/j/x@base64/YW==", "{job=\"j\",x=\"a\"}"),
                row("/j/x@base64/YWJ", "{job=\"j\",x=\"ab\"}"),
                row("/j/x@base64/YQ%3D%3D", "{job=\"j\",x=\"a\"}"),
                row("/j/x@base64/YW%0AJj", "{job=\"j\",x=\"abc\"}"),
                row("/j/x@base64/YQ%0D%0A", "{job=\"j\",x=\"a\"}"),
                row("/j/x@base64/%0A", "{job=\"j\",x=\"\"}"),
                row("@base64/YWJj%0A", "{job=\"abc\"}"),
                row("/j/x@base64/!!!",
                        "400 invalid base64 encoding for label x=\"!!!\": illegal base64 data at input byte 0"),
                row("/j/x@base64/YWJjZ",
                        "400 invalid base64 encoding for label x=\"YWJjZ\": illegal base64 data at input byte 4"),
                row("/j/x@base64/Y", "400 invalid base64 encoding for label x=\"Y\": illegal base64 data at input byte 0"),
                row("/j/x@base64/YQ=x",
                        "400 invalid base64 encoding for label x=\"YQ=x\": illegal base64 data at input byte 2"),
                row("/j/x@base64/Y%0A",
                        "400 invalid base64 encoding for label x=\"Y\\n\": illegal base64 data at input byte 1"),
                row("/j/x@base64/YWJj%0AZA!x",
                        "400 invalid base64 encoding for label x=\"YWJj\\nZA!x\": illegal base64 data at input byte 7"),
                row("/j/x@base64/%22%5C%0A",
                        "400 invalid base64 encoding for label x=\"\\\"\\\\\\n\": illegal base64 data at input byte 0"),
                row("/j/x@base64/%E2%82%AC!",
                        "400 invalid base64 encoding for label x=\"€!\": illegal base64 data at input byte 0"),
                row("/j/x@base64/%F0%9F%98%80!",
                        "400 invalid base64 encoding for label x=\"😀!\": illegal base64 data at input byte 0"),
                row("/j/x@base64/%C2%A0",
                        "400 invalid base64 encoding for label x=\"\\u00a0\": illegal base64 data at input byte 0"),
                row("/j/x@base64/%7F%07%1B",
                        "400 invalid base64 encoding for label x=\"\\x7f\\a\\x1b\": illegal base64 data at input byte 0"),
                row("/j/x@base64/%F4%90%80%80", "400 invalid base64 encoding for label x=\"\\xf4\\x90\\x80\\x80\": "
                        + "illegal base64 data at input byte 0"),
                // go: the job name quoted is what was decoded before the error
                row("@base64/YWJjZA!x",
                        "400 invalid base64 encoding in job name \"abc\": illegal base64 data at input byte 6"),
                row("@base64/YWJj!", "400 invalid base64 encoding in job name \"abc\": illegal base64 data at input byte 4"),
                row("@base64/YWJjZ", "400 invalid base64 encoding in job name \"abc\": illegal base64 data at input byte 4"),
                row("@base64/YWJj%FF",
                        "400 invalid base64 encoding in job name \"abc\": illegal base64 data at input byte 4"),
                row("@base64/Y", "400 invalid base64 encoding in job name \"\": illegal base64 data at input byte 0"),
                row("@base64/YQ=x", "400 invalid base64 encoding in job name \"\": illegal base64 data at input byte 2"),
                row("@base64/=", "400 job name is required"),
                row("@base64/%0A", "400 job name is required"),
                // go: label names and components
                row("/j/in-valid/x", "400 improper label name \"in-valid\""),
                row("/j/__x/y", "400 improper label name \"__x\""),
                row("/j/__x@base64/YQ", "400 improper label name \"__x\""),
                row("/j/1a/x", "400 improper label name \"1a\""),
                row("/j/a:b/x", "400 improper label name \"a:b\""),
                row("/j/%E2%82%AC/x", "400 improper label name \"€\""),
                row("/j/%ff/x", "400 improper label name \"\\xff\""),
                row("/j/x@base64x/y", "400 improper label name \"x@base64x\""),
                row("/j/@base64/x", "400 improper label name \"\""),
                row("/j/U__a_2e_b/x", "{U__a_2e_b=\"x\",job=\"j\"}"),
                row("/j/instance", "400 odd number of components in label string \"/instance\""),
                row("/j/a/1/b", "400 odd number of components in label string \"/a/1/b\""),
                row("/j/x@base64", "400 odd number of components in label string \"/x@base64\""),
                row("/j/x@base64/+/8", "400 odd number of components in label string \"/x@base64/+/8\""),
                // go: the first error from the left wins; label errors come before "job name is required"
                row("/j/x/1/in-valid/2/y@base64/!!", "400 improper label name \"in-valid\""),
                row("@base64/!!/in-valid/x",
                        "400 invalid base64 encoding in job name \"\": illegal base64 data at input byte 0"),
                row("@base64/=/in-valid/x", "400 improper label name \"in-valid\""),
                // go: answers that are not the handler's (301 clean-path redirect, 404/307 router, 400 net/http)
                row("/j/a//b/c", "NON_CANONICAL_PATH"),
                row("/j/a%2F/x", "NON_CANONICAL_PATH"),
                row("/j/a/%2Fb", "NON_CANONICAL_PATH"),
                row("/j/./x", "NON_CANONICAL_PATH"),
                row("/j/x/..", "NON_CANONICAL_PATH"),
                row("/j/a/%2E", "NON_CANONICAL_PATH"),
                row("", "NOT_FOUND"),
                row("/", "NOT_FOUND"),
                row("@base64", "NOT_FOUND"),
                row("@base64/", "NOT_FOUND"),
                row("s/j", "NOT_FOUND"),
                row("/%", "MALFORMED_URI"),
                row("/%zz/x", "MALFORMED_URI"),
                row("/j/a/%4", "MALFORMED_URI"),
                // cairn: Go accepts these, then every scrape answers 500
                row("/%ff", "400 invalid UTF-8 in job name \"\\xff\""),
                row("@base64/_w", "400 invalid UTF-8 in job name \"\\xff\""),
                row("/j/a/%C3", "400 invalid UTF-8 in label a=\"\\xc3\""),
                row("/j/a/%ff", "400 invalid UTF-8 in label a=\"\\xff\""),
                row("/j/a/%ED%A0%80", "400 invalid UTF-8 in label a=\"\\xed\\xa0\\x80\""),
                row("/j/x@base64/_w", "400 invalid UTF-8 in label x=\"\\xff\""));
    }

    static Stream<Arguments> utf8Names() {
        return Stream.of(
                // src: model.UnescapeName(name, model.ValueEncodingEscaping), then UTF-8 validation
                row("/j/U__a_2e_b/x", "{a.b=\"x\",job=\"j\"}"),
                row("/j/U__foo_2e_bar@base64/YmF6", "{foo.bar=\"baz\",job=\"j\"}"),
                row("/j/U__A_2E_b/x", "{A.b=\"x\",job=\"j\"}"),
                row("/j/U___1f600_/x", "{job=\"j\",😀=\"x\"}"),
                row("/j/U___55_____/x", "{U__=\"x\",job=\"j\"}"),
                row("/j/U__a__b/x", "{a_b=\"x\",job=\"j\"}"),
                row("/j/a.b/x", "{a.b=\"x\",job=\"j\"}"),
                row("/j/%E2%82%AC/x", "{job=\"j\",€=\"x\"}"),
                row("/j/in-valid/x", "{in-valid=\"x\",job=\"j\"}"),
                // src: invalid escapes leave the name as it is
                row("/j/U__a_zz_b/x", "{U__a_zz_b=\"x\",job=\"j\"}"),
                row("/j/U__a_/x", "{U__a_=\"x\",job=\"j\"}"),
                row("/j/U__x_d800_/x", "{U__x_d800_=\"x\",job=\"j\"}"),
                row("/j/U__a_1234567_/x", "{U__a_1234567_=\"x\",job=\"j\"}"),
                row("/j/U__a_110000_/x", "{U__a_110000_=\"x\",job=\"j\"}"),
                // src: rejected names
                row("/j/U__/x", "400 improper label name \"U__\""),
                row("/j/__x/y", "400 improper label name \"__x\""),
                row("/j/%ff/x", "400 improper label name \"\\xff\""),
                row("/j/U__a_ff_%ff/x", "400 improper label name \"U__a_ff_\\xff\""),
                // cairn: Go would accept the reserved name "__x" here
                row("/j/U______x/y", "400 improper label name \"U______x\""),
                row("/j/job/x/U__a_2e_b/%ff", "400 invalid UTF-8 in label a.b=\"\\xff\""));
    }

    @ParameterizedTest
    @MethodSource("legacyNames")
    void shouldDecodeLikeGoWithLegacyNames(String path, String expected) {
        assertDecodes(path, false, expected);
    }

    @ParameterizedTest
    @MethodSource("utf8Names")
    void shouldDecodeLikeGoWithUtf8Names(String path, String expected) {
        assertDecodes(path, true, expected);
    }

    @ParameterizedTest
    @MethodSource("legacyNames")
    void shouldDecodeLegacyPathsAlikeWithUtf8NamesUnlessNamesAreInvalid(String path, String expected) {
        if (expected.startsWith("400 improper label name")) {
            return;
        }
        if (path.contains("U__")) {
            return;
        }
        assertDecodes(path, true, expected);
    }

    @ParameterizedTest
    @MethodSource("legacyNames")
    void shouldTakeCharactersAboveAsciiAsBytes(String path, String expected) {
        // Netty hands the request line over as ISO-8859-1: a raw 0xC3 0xBC is the same as %C3%BC.
        final String raw = path.replace("%C3%BC", "\u00c3\u00bc").replace("%ff", "\u00ff");
        assertDecodes(raw, false, expected);
    }

    @Test
    void shouldEncodeCharactersAboveLatin1AsUtf8() {
        assertDecodes("/j/city/M\u00fcnchen\u20ac", false, "400 invalid UTF-8 in label city=\"M\\xfcnchen€\"");
        assertDecodes("/j/city/\u20ac\ud83d\ude00", false, "{city=\"€😀\",job=\"j\"}");
    }

    @Test
    void shouldMakeRoomForTheBytesAfterACharacterAboveLatin1() {
        // found by GroupingKeyPathDecoderFuzzTest: ArrayIndexOutOfBoundsException
        assertDecodes("/j/city/\u20acabcdefgh", false, "{city=\"€abcdefgh\",job=\"j\"}");
        assertDecodes("/j/x/\ufffd\ufffd\ufffd" + "y".repeat(20), false,
                "{job=\"j\",x=\"\ufffd\ufffd\ufffd" + "y".repeat(20) + "\"}");
    }

    @Test
    void shouldKeepSupplementaryCharactersWhoseLowBitsLookLikeASurrogate() {
        // U+1D800: (char) 0x1D800 is the surrogate 0xD800
        assertDecodes("/j/x/\ud836\udc00", false, "{job=\"j\",x=\"\ud836\udc00\"}");
        assertDecodes("/j/x/\ud836", false, "{job=\"j\",x=\"\ufffd\"}");
    }

    private static void assertDecodes(String path, boolean utf8Names, String expected) {
        for (int run = 0; run < 2; run++) {
            String actual;
            try {
                actual = GroupingKeyPathDecoder.decode(path, utf8Names).toString();
            } catch (GroupingKeyException e) {
                actual = e.kind() == GroupingKeyException.Kind.BAD_REQUEST ? "400 " + e.getMessage()
                        : e.kind().name();
            } catch (RuntimeException e) {
                fail("unexpected exception for " + path, e);
                return;
            }
            assertEquals(expected, actual, path);
        }
    }

    private static Arguments row(String path, String expected) {
        return Arguments.of(path, expected);
    }
}
