package io.cairn.server.http;

import io.cairn.core.testing.LeakRecorder;
import io.cairn.server.migrate.JsonParser;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replays every case of {@code golden/scrapes.json} (recorded from the Go Pushgateway 1.5.1 by {@code
 * golden/record.py}) against a fresh gateway and compares push statuses and the filtered {@code /metrics} output:
 * the families (HELP and TYPE lines byte for byte, in order) must be the same; inside a family the sample lines
 * must be the same multiset, and the same sequence when the case pushes to a single group (Cairn writes series
 * group after group, see docs/compatibility.md).
 */
class GoldenScrapeTest {
    private static final String RESOURCE = "/golden/scrapes.json";
    /** {@code case/family} pairs whose samples differ because of a known bug, each shown by a disabled test. */

    @AfterAll
    static void noLeaks() {
        LeakRecorder.assertNoLeaks();
    }

    static Stream<Arguments> cases() throws IOException {
        return arguments(recordedCases());
    }

    private static List<Object> recordedCases() throws IOException {
        return recordedCases(RESOURCE);
    }

    /** Each recorded case as the arguments of a parameterized test: its name, then the case. */
    static Stream<Arguments> arguments(List<Object> recorded) {
        final List<Arguments> args = new ArrayList<>();
        for (Object c : recorded) {
            @SuppressWarnings("unchecked")
            final Map<String, Object> golden = (Map<String, Object>) c;
            args.add(Arguments.of(golden.get("name"), golden));
        }
        return args.stream();
    }

    /** The cases of a recording (JSON under {@code resource}), checked to come from the Go Pushgateway 1.5.1. */
    @SuppressWarnings("unchecked")
    static List<Object> recordedCases(String resource) throws IOException {
        try (InputStream in = GoldenScrapeTest.class.getResourceAsStream(resource)) {
            final Map<String, Object> root = (Map<String, Object>) json(
                    new String(in.readAllBytes(), StandardCharsets.UTF_8));
            assertTrue(String.valueOf(root.get("recorded_against")).contains("1.5.1"));
            return (List<Object>) root.get("cases");
        }
    }

    @Test
    void shouldHaveRecordedCases() throws IOException {
        assertTrue(recordedCases().size() >= 15, "cases: " + recordedCases().size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldScrapeWhatThePushgatewayScrapes(String name, Map<String, Object> golden) {
        replay(name, golden);
    }

    @SuppressWarnings("unchecked")
    private static void replay(String name, Map<String, Object> golden) {
        final GatewayHarness gateway = new GatewayHarness();
        try {
            final Set<String> groups = new HashSet<>();
            for (Object p : (List<Object>) golden.get("pushes")) {
                final Map<String, Object> push = (Map<String, Object>) p;
                final String path = (String) push.get("path");
                groups.add(path);
                final GatewayHarness.Answer answer = gateway.push(HttpMethod.valueOf((String) push.get("method")),
                        path, (String) push.get("body"));
                assertEquals(((Number) push.get("status")).intValue(), answer.status,
                        name + ": " + push.get("method") + " " + path + " answered " + answer.text());
                if (answer.status == 200) {
                    assertEquals(push.get("response"), answer.text(), name);
                }
            }

            assertSameScrape(name, (List<String>) golden.get("metrics"), gateway.scrapeFiltered(), groups.size());
        } finally {
            assertFalse(gateway.finish());
        }
    }

    // ------------------------------------------------------------------ families of a filtered scrape

    /**
     * Compares two filtered text scrapes family by family: the same families in the same order, each with the
     * same HELP/TYPE lines and the same samples (in the same order too when a single group holds them; across
     * groups Cairn writes series group after group, docs/compatibility.md).
     */
    static void assertSameScrape(String name, List<String> expectedLines, List<String> actualLines, int groups) {
        final List<Family> expected = families(expectedLines);
        final List<Family> actual = families(actualLines);
        assertEquals(names(expected), names(actual), name + ": families");
        for (int i = 0; i < expected.size(); i++) {
            final Family e = expected.get(i);
            final Family a = actual.get(i);
            assertEquals(e.header, a.header, name + ": HELP/TYPE of " + e.name);
            assertEquals(sorted(e.samples), sorted(a.samples), name + ": samples of " + e.name);
            if (groups == 1) {
                assertEquals(e.samples, a.samples, name + ": sample order of " + e.name);
            }
        }
    }

    private static final class Family {
        final String name;
        final List<String> header = new ArrayList<>();
        final List<String> samples = new ArrayList<>();

        Family(String name) {
            this.name = name;
        }
    }

    static List<Family> families(List<String> lines) {
        final List<Family> families = new ArrayList<>();
        Family current = null;
        for (String line : lines) {
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                final String rest = line.substring(7);
                final int space = rest.indexOf(' ');
                final String name = space < 0 ? rest : rest.substring(0, space);
                if (current == null || !current.name.equals(name) || !current.samples.isEmpty()) {
                    current = new Family(name);
                    families.add(current);
                }
                current.header.add(line);
            } else {
                if (current == null) {
                    current = new Family("");
                    families.add(current);
                }
                current.samples.add(line);
            }
        }
        return families;
    }

    private static List<String> names(List<Family> families) {
        final List<String> names = new ArrayList<>();
        for (Family family : families) {
            names.add(family.name);
        }
        return names;
    }

    private static List<String> sorted(List<String> lines) {
        final List<String> copy = new ArrayList<>(lines);
        copy.sort(null);
        return copy;
    }

    // ------------------------------------------------------------------ the recorded resources

    /** A recorded JSON document, read with the migration's strict parser. */
    static Object json(String text) {
        try {
            return JsonParser.parse(text);
        } catch (JsonParser.JsonException e) {
            throw new AssertionError("the recorded JSON does not parse: " + e.getMessage(), e);
        }
    }
}
