package io.cairn.core.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.GroupingKeyException;
import io.cairn.core.model.GroupingKeyPathDecoder;

import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of {@link GroupingKeyPathDecoder}: any raw path (taken as ISO-8859-1, as Netty hands
 * over a request line, and with its UTF-8 reading too) names a grouping key or is rejected with a
 * {@link GroupingKeyException}, never another exception, with and without {@code --push.enable-utf8-names}; the
 * same path always gives the same outcome. Seeds: {@code GroupingKeyPathDecoderFuzzTestInputs/} (the paths of
 * {@code GroupingKeyPathDecoderTest}).
 */
class GroupingKeyPathDecoderFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void shouldDecodeOrRejectEveryPath(byte[] input) {
        final String latin1 = new String(input, StandardCharsets.ISO_8859_1);
        final String utf8 = new String(input, StandardCharsets.UTF_8);
        for (String path : new String[] {latin1, utf8}) {
            for (boolean utf8Names : new boolean[] {false, true}) {
                assertEquals(outcome(path, utf8Names), outcome(path, utf8Names), path);
            }
        }
    }

    private static String outcome(String path, boolean utf8Names) {
        try {
            final GroupingKey key = GroupingKeyPathDecoder.decode(path, utf8Names);
            return key.toString();
        } catch (GroupingKeyException e) {
            return e.kind() + " " + e.getMessage();
        }
    }
}
