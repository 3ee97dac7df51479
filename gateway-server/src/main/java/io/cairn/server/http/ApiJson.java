package io.cairn.server.http;

import io.cairn.core.model.GoStrings;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.MetricType;
import io.cairn.core.render.EncodedFamily;
import io.cairn.core.store.GroupSnapshot;
import io.cairn.core.store.SlotVector;
import io.cairn.core.store.StoreSnapshot;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;

/**
 * The bodies of {@code GET /api/v1/metrics} and {@code GET /api/v1/status}, byte for byte as the Go Pushgateway
 * 1.5.1 writes them ({@code api/v1/api.go}, marshalled by {@code encoding/json}). Written by hand, no JSON library:
 * <ul>
 * <li>Object keys of Go maps are sorted by their UTF-8 bytes; struct fields keep their declared order ({@code
 * time_stamp}, {@code type}, {@code help} (omitted when empty), {@code metrics}).</li>
 * <li>Strings are escaped as {@code encoding/json} does with HTML escaping on: {@code <}, {@code >}, {@code &},
 * U+2028, U+2029 and control characters as <code>&#92;u00XX</code>, except {@code \n}, {@code \r}, {@code \t}; DEL stays
 * raw.</li>
 * <li>Times are {@code time.Time} JSON: RFC 3339 with nanoseconds, trailing zeros trimmed; always in UTC here
 * ({@code Z}), where Go uses the process's local zone.</li>
 * <li>Values are strings as {@code fmt.Sprint} prints them: floats as {@code strconv.FormatFloat(f, 'g', -1, 64)}
 * (the format of the stored text lines, so copied from them as they are), counts as {@code uint64} decimals.</li>
 * </ul>
 *
 * <p>The store keeps no structured values, so {@link #metrics} reads them back from each family's pre-serialized
 * text lines with {@link SampleLineReader}. What that cannot give back: counts above 2^53 have the precision of the
 * float that the text line holds, and series come in expfmt's order, where the Go gateway keeps the pushed order.
 *
 * <p>Groups are sorted by grouping key id; the Go gateway iterates a map, so its order is random.
 */
final class ApiJson {
    private static final String LABELS = "labels";
    private static final String LAST_PUSH_SUCCESSFUL = "last_push_successful";
    private static final String QUANTILE = "quantile";
    private static final String LE = "le";
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** Counts below 2^63 convert with a plain cast; from 2^63 to 2^64 they need an unsigned decimal. */
    private static final double TWO_POW_63 = 0x1p63;
    private static final double TWO_POW_64 = 0x1p64;
    private static final int NANOS_PER_SECOND = 1_000_000_000;
    private static final Comparator<GroupSnapshot> BY_KEY_ID = Comparator.comparing(GroupSnapshot::key);
    /** Bytes per text byte, roughly: JSON repeats labels per series and adds keys; a first guess only. */
    private static final int EXPANSION = 2;

    /** {@code encoding/json}'s {@code htmlSafeSet}, inverted: ASCII bytes that need an escape. */
    private static final boolean[] ESCAPE = new boolean[128];

    static {
        for (int c = 0; c < 0x20; c++) {
            ESCAPE[c] = true;
        }
        ESCAPE['"'] = true;
        ESCAPE['\\'] = true;
        ESCAPE['<'] = true;
        ESCAPE['>'] = true;
        ESCAPE['&'] = true;
    }

    private ApiJson() {
    }

    /**
     * The body of {@code GET /api/v1/metrics} for {@code snapshot}, which the caller keeps pinned during the call.
     * The returned buffer comes from {@code alloc} and belongs to the caller.
     */
    static ByteBuf metrics(StoreSnapshot snapshot, ByteBufAllocator alloc) {
        final GroupSnapshot[] groups = sortedGroups(snapshot.groups());
        int estimate = 64;
        for (GroupSnapshot group : groups) {
            for (int f = 0; f < group.familyCount(); f++) {
                estimate += 128 + EXPANSION * group.family(f).text().readableBytes();
            }
        }
        final ByteBuf out = alloc.buffer(estimate);
        try {
            final Writer writer = new Writer(out);
            ByteBufUtil.writeAscii(out, "{\"status\":\"success\",\"data\":[");
            for (int g = 0; g < groups.length; g++) {
                if (g > 0) {
                    out.writeByte(',');
                }
                writer.group(groups[g]);
            }
            ByteBufUtil.writeAscii(out, "]}");
            return out;
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
    }

    /**
     * The body of {@code GET /api/v1/status}: the flag values and build information (keys sorted; {@code null}
     * is written as Go writes a nil map) and the start time. The returned buffer belongs to the caller.
     */
    static ByteBuf status(Map<String, String> flags, long startTimeMs, Map<String, String> buildInformation,
                          ByteBufAllocator alloc) {
        final ByteBuf out = alloc.buffer(1024);
        try {
            ByteBufUtil.writeAscii(out, "{\"status\":\"success\",\"data\":{\"build_information\":");
            writeStringMap(out, buildInformation);
            ByteBufUtil.writeAscii(out, ",\"flags\":");
            writeStringMap(out, flags);
            ByteBufUtil.writeAscii(out, ",\"start_time\":\"");
            ByteBufUtil.writeAscii(out, rfc3339(Math.multiplyExact(startTimeMs, 1_000_000L)));
            ByteBufUtil.writeAscii(out, "\"}}");
            return out;
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
    }

    private static GroupSnapshot[] sortedGroups(SlotVector<GroupSnapshot> vector) {
        final GroupSnapshot[] groups = new GroupSnapshot[vector.size()];
        final int[] n = {0};
        vector.forEach(group -> groups[n[0]++] = group);
        final GroupSnapshot[] found = n[0] == groups.length ? groups : Arrays.copyOf(groups, n[0]);
        Arrays.sort(found, BY_KEY_ID);
        return found;
    }

    private static void writeStringMap(ByteBuf out, Map<String, String> map) {
        if (map == null) {
            ByteBufUtil.writeAscii(out, "null");
            return;
        }
        final String[] keys = map.keySet().toArray(new String[0]);
        Arrays.sort(keys, GoStrings::compare);
        out.writeByte('{');
        for (int i = 0; i < keys.length; i++) {
            if (i > 0) {
                out.writeByte(',');
            }
            writeString(out, keys[i]);
            out.writeByte(':');
            writeString(out, map.get(keys[i]));
        }
        out.writeByte('}');
    }

    /** Writes one group of {@code /api/v1/metrics}; holds the scratch state reused across groups and series. */
    private static final class Writer {
        private final ByteBuf out;
        private final SampleLineReader line = new SampleLineReader();
        private final SampleLineReader sumLine = new SampleLineReader();
        private final SampleLineReader countLine = new SampleLineReader();
        /** Keys of a quantile or bucket map: offsets of their bytes in the family text. */
        private int[] keyStarts = new int[16];
        private int[] keyEnds = new int[16];
        private int[] valueStarts = new int[16];
        private int[] valueEnds = new int[16];
        private int[] order = new int[16];
        private String[] names = new String[16];
        /** The families of one push share its time: format it once. */
        private long lastTimeNs;
        private String lastTime;

        Writer(ByteBuf out) {
            this.out = out;
        }

        /**
         * One group: {@code api.go} builds a {@code map[string]interface{}} with {@code labels}, {@code
         * last_push_successful} and then one key per family name, so the keys sort together, and a family named
         * {@code labels} or {@code last_push_successful} replaces that entry (a quirk kept on purpose).
         */
        void group(GroupSnapshot group) {
            final int familyCount = group.familyCount();
            final int n = familyCount + 2;
            if (names.length < n) {
                names = new String[n];
            }
            for (int f = 0; f < familyCount; f++) {
                names[f] = group.family(f).name();
            }
            names[familyCount] = LABELS;
            names[familyCount + 1] = LAST_PUSH_SUCCESSFUL;
            boolean labelsReplaced = false;
            boolean lastPushReplaced = false;
            for (int f = 0; f < familyCount; f++) {
                labelsReplaced |= LABELS.equals(names[f]);
                lastPushReplaced |= LAST_PUSH_SUCCESSFUL.equals(names[f]);
            }
            final int[] sorted = sortedIndexes(names, n);
            out.writeByte('{');
            boolean first = true;
            for (int k = 0; k < n; k++) {
                final int index = sorted[k];
                if ((index == familyCount && labelsReplaced) || (index == familyCount + 1 && lastPushReplaced)) {
                    continue;
                }
                if (!first) {
                    out.writeByte(',');
                }
                first = false;
                writeString(out, names[index]);
                out.writeByte(':');
                if (index == familyCount) {
                    groupingLabels(group.key());
                } else if (index == familyCount + 1) {
                    ByteBufUtil.writeAscii(out, group.lastPushSuccessful() ? "true" : "false");
                } else {
                    family(group.family(index));
                }
            }
            out.writeByte('}');
            Arrays.fill(names, 0, n, null);
        }

        private void groupingLabels(GroupingKey key) {
            out.writeByte('{');
            // the key's names are sorted; label names are ASCII in 1.5.1, where String order is byte order
            for (int i = 0; i < key.size(); i++) {
                if (i > 0) {
                    out.writeByte(',');
                }
                writeString(out, key.name(i));
                out.writeByte(':');
                writeString(out, key.value(i));
            }
            out.writeByte('}');
        }

        private void family(EncodedFamily chunk) {
            final EncodedFamily family = chunk;
            ByteBufUtil.writeAscii(out, "{\"time_stamp\":\"");
            if (lastTime == null || chunk.pushTimeNs() != lastTimeNs) {
                lastTimeNs = chunk.pushTimeNs();
                lastTime = rfc3339(lastTimeNs);
            }
            ByteBufUtil.writeAscii(out, lastTime);
            ByteBufUtil.writeAscii(out, "\",\"type\":\"");
            ByteBufUtil.writeAscii(out, family.type().apiName());
            out.writeByte('"');
            if (family.help() != null && !family.help().isEmpty()) {
                // omitempty
                ByteBufUtil.writeAscii(out, ",\"help\":");
                writeString(out, family.help());
            }
            ByteBufUtil.writeAscii(out, ",\"metrics\":[");
            final ByteBuf text = family.text();
            final int textEnd = text.readerIndex() + text.readableBytes();
            for (int s = 0; s < family.seriesCount(); s++) {
                if (s > 0) {
                    out.writeByte(',');
                }
                final int from = text.readerIndex() + family.seriesOffset(s);
                final int to = s + 1 < family.seriesCount() ? text.readerIndex() + family.seriesOffset(s + 1) : textEnd;
                series(text, from, to, family.type());
            }
            ByteBufUtil.writeAscii(out, "]}");
        }

        private void series(ByteBuf text, int from, int to, MetricType type) {
            if (!type.isComposite()) {
                final int end = line.wrap(text, from);
                checkSeriesEnd(end, to);
                ByteBufUtil.writeAscii(out, "{\"labels\":");
                labels(line);
                ByteBufUtil.writeAscii(out, ",\"value\":\"");
                out.writeBytes(text, line.valueStart(), line.valueEnd() - line.valueStart());
                ByteBufUtil.writeAscii(out, "\"}");
                return;
            }
            // quantile or bucket lines, then _sum and _count (PushEncoder.writeMetric)
            final String keyLabel = type == MetricType.SUMMARY ? QUANTILE : LE;
            int keyCount = 0;
            int i = from;
            int sumAt = -1;
            while (i < to) {
                final int lineStart = i;
                i = line.wrap(text, i);
                final int key = line.lastLabel(text, keyLabel);
                if (key < 0) {
                    sumAt = lineStart;
                    break;
                }
                addKey(keyCount++, line.labelValueStart(key), line.labelValueEnd(key), line.valueStart(),
                        line.valueEnd());
            }
            if (sumAt < 0) {
                throw malformed(text, from, "a series without _sum and _count lines");
            }
            checkSeriesEnd(countLine.wrap(text, sumLine.wrap(text, sumAt)), to);
            final boolean summary = type == MetricType.SUMMARY;
            ByteBufUtil.writeAscii(out, summary ? "{\"count\":\"" : "{\"buckets\":");
            if (summary) {
                count(text, countLine.valueStart(), countLine.valueEnd());
                ByteBufUtil.writeAscii(out, "\",\"labels\":");
                labels(sumLine);
                ByteBufUtil.writeAscii(out, ",\"quantiles\":");
                keyedValues(text, keyCount, false);
            } else {
                keyedValues(text, keyCount, true);
                ByteBufUtil.writeAscii(out, ",\"count\":\"");
                count(text, countLine.valueStart(), countLine.valueEnd());
                ByteBufUtil.writeAscii(out, "\",\"labels\":");
                labels(sumLine);
            }
            ByteBufUtil.writeAscii(out, ",\"sum\":\"");
            out.writeBytes(text, sumLine.valueStart(), sumLine.valueEnd() - sumLine.valueStart());
            ByteBufUtil.writeAscii(out, "\"}");
        }

        private void addKey(int index, int keyStart, int keyEnd, int valueStart, int valueEnd) {
            if (index == keyStarts.length) {
                final int capacity = index * 2;
                keyStarts = Arrays.copyOf(keyStarts, capacity);
                keyEnds = Arrays.copyOf(keyEnds, capacity);
                valueStarts = Arrays.copyOf(valueStarts, capacity);
                valueEnds = Arrays.copyOf(valueEnds, capacity);
                order = Arrays.copyOf(order, capacity);
            }
            keyStarts[index] = keyStart;
            keyEnds[index] = keyEnd;
            valueStarts[index] = valueStart;
            valueEnds[index] = valueEnd;
        }

        /**
         * A {@code map[string]string} from {@code fmt.Sprint(bound)} to a value: keys sorted by bytes, and of equal
         * keys the last one wins, as map assignment does. Keys are Go-formatted floats, nothing to escape.
         */
        private void keyedValues(ByteBuf text, int count, boolean countValues) {
            // insertion sort, stable: few keys, already sorted by number, which is nearly byte order
            for (int i = 0; i < count; i++) {
                int j = i - 1;
                while (j >= 0 && compareBytes(text, keyStarts[order[j]], keyEnds[order[j]], keyStarts[i],
                        keyEnds[i]) > 0) {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = i;
            }
            out.writeByte('{');
            boolean first = true;
            for (int k = 0; k < count; k++) {
                final int i = order[k];
                if (k + 1 < count && compareBytes(text, keyStarts[i], keyEnds[i], keyStarts[order[k + 1]],
                        keyEnds[order[k + 1]]) == 0) {
                    continue; // a later equal key overwrites this one
                }
                if (!first) {
                    out.writeByte(',');
                }
                first = false;
                out.writeByte('"');
                out.writeBytes(text, keyStarts[i], keyEnds[i] - keyStarts[i]);
                ByteBufUtil.writeAscii(out, "\":\"");
                if (countValues) {
                    count(text, valueStarts[i], valueEnds[i]);
                } else {
                    out.writeBytes(text, valueStarts[i], valueEnds[i] - valueStarts[i]);
                }
                out.writeByte('"');
            }
            out.writeByte('}');
        }

        /** The labels of a line, sorted by name as PushEncoder wrote them, values re-escaped for JSON. */
        private void labels(SampleLineReader reader) {
            final ByteBuf text = reader.buffer();
            out.writeByte('{');
            for (int i = 0; i < reader.labelCount(); i++) {
                if (i > 0) {
                    out.writeByte(',');
                }
                out.writeByte('"');
                writeEscaped(out, text, reader.labelNameStart(i), reader.labelNameEnd(i), false);
                ByteBufUtil.writeAscii(out, "\":\"");
                writeEscaped(out, text, reader.labelValueStart(i), reader.labelValueEnd(i), true);
                out.writeByte('"');
            }
            out.writeByte('}');
        }

        /** A count: a uint64 that the text holds as a Go-formatted float ({@code 1.234567e+06}). */
        private void count(ByteBuf text, int from, int to) {
            boolean digits = to > from;
            for (int i = from; i < to && digits; i++) {
                final byte b = text.getByte(i);
                digits = b >= '0' && b <= '9';
            }
            if (digits) {
                // fast path: small counts are written as integers already
                out.writeBytes(text, from, to - from);
                return;
            }
            ByteBufUtil.writeAscii(out, uint64Decimal(text.toString(from, to - from,
                    StandardCharsets.US_ASCII)));
        }

        private void checkSeriesEnd(int end, int to) {
            if (end != to) {
                throw malformed(line.buffer(), end, "a series that ends at " + to);
            }
        }
    }

    /** Go's {@code uint64} decimal of a count that was stored as {@code float64(count)}. */
    static String uint64Decimal(String goFloat) {
        final double value;
        try {
            value = Double.parseDouble(goFloat);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("not a count: " + goFloat, e);
        }
        if (!(value >= 0)) {
            throw new IllegalStateException("not a count: " + goFloat);
        }
        if (value < TWO_POW_63) {
            return Long.toString((long) value);
        }
        if (value >= TWO_POW_64) {
            // float64(2^64 - 1) rounds up to 2^64: the largest count there is
            return Long.toUnsignedString(-1L);
        }
        return new BigDecimal(value).toBigInteger().toString();
    }

    /** {@code time.Time.MarshalJSON} of a UTC time: RFC 3339 with nanoseconds, trailing zeros trimmed. */
    static String rfc3339(long unixNs) {
        final long seconds = Math.floorDiv(unixNs, (long) NANOS_PER_SECOND);
        final int nanos = (int) Math.floorMod(unixNs, (long) NANOS_PER_SECOND);
        final LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
        final StringBuilder sb = new StringBuilder(30);
        pad(sb, t.getYear(), 4).append('-');
        pad(sb, t.getMonthValue(), 2).append('-');
        pad(sb, t.getDayOfMonth(), 2).append('T');
        pad(sb, t.getHour(), 2).append(':');
        pad(sb, t.getMinute(), 2).append(':');
        pad(sb, t.getSecond(), 2);
        if (nanos != 0) {
            int fraction = nanos;
            int width = 9;
            while (fraction % 10 == 0) {
                fraction /= 10;
                width--;
            }
            pad(sb.append('.'), fraction, width);
        }
        return sb.append('Z').toString();
    }

    private static StringBuilder pad(StringBuilder sb, int value, int width) {
        final String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(digits);
    }

    /** Writes {@code s} as a JSON string, quoted and escaped as {@code encoding/json} does. */
    static void writeString(ByteBuf out, String s) {
        out.writeByte('"');
        if (!needsEscape(s)) {
            // fast path: nothing to escape, no lone surrogate
            ByteBufUtil.writeUtf8(out, s);
        } else {
            writeEscapedString(out, s);
        }
        out.writeByte('"');
    }

    private static boolean needsEscape(String s) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c < 128 ? ESCAPE[c] : c == '\u2028' || c == '\u2029' || Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static void writeEscapedString(ByteBuf out, String s) {
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            final int escape;
            if (c < 128) {
                if (!ESCAPE[c]) {
                    continue;
                }
                escape = c;
            } else if (c == '\u2028' || c == '\u2029') {
                escape = c;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            } else if (Character.isSurrogate(c)) {
                // a lone surrogate is what invalid UTF-8 is to Go: written as U+FFFD, escaped
                escape = 0xfffd;
            } else {
                continue;
            }
            ByteBufUtil.writeUtf8(out, s, start, i);
            writeEscape(out, escape);
            start = i + 1;
        }
        ByteBufUtil.writeUtf8(out, s, start, s.length());
    }

    /**
     * Copies UTF-8 bytes {@code [from, to)} of {@code text} as JSON string content. With {@code textEscaped}, the
     * bytes are a text-format label value: its escapes {@code \\}, {@code \"} and {@code \n} read the same in JSON,
     * so they are copied as they are.
     */
    static void writeEscaped(ByteBuf out, ByteBuf text, int from, int to, boolean textEscaped) {
        int start = from;
        for (int i = from; i < to; i++) {
            final int b = text.getByte(i) & 0xff;
            if (b < 128) {
                if (!ESCAPE[b]) {
                    continue;
                }
                if (b == '\\' && textEscaped) {
                    i++;
                    continue;
                }
                out.writeBytes(text, start, i - start);
                writeEscape(out, b);
                start = i + 1;
            } else if (b == 0xe2 && i + 2 < to && text.getByte(i + 1) == (byte) 0x80
                    && (text.getByte(i + 2) == (byte) 0xa8 || text.getByte(i + 2) == (byte) 0xa9)) {
                // U+2028 and U+2029, which break JavaScript string literals
                out.writeBytes(text, start, i - start);
                writeEscape(out, text.getByte(i + 2) == (byte) 0xa8 ? '\u2028' : '\u2029');
                i += 2;
                start = i + 1;
            }
        }
        out.writeBytes(text, start, to - start);
    }

    private static void writeEscape(ByteBuf out, int c) {
        out.writeByte('\\');
        switch (c) {
            case '"':
            case '\\':
                out.writeByte(c);
                return;
            case '\n':
                out.writeByte('n');
                return;
            case '\r':
                out.writeByte('r');
                return;
            case '\t':
                out.writeByte('t');
                return;
            default:
                out.writeByte('u');
                out.writeByte(HEX[(c >> 12) & 0xf]);
                out.writeByte(HEX[(c >> 8) & 0xf]);
                out.writeByte(HEX[(c >> 4) & 0xf]);
                out.writeByte(HEX[c & 0xf]);
        }
    }

    /** Indexes {@code 0..n-1} ordered by {@link GoStrings#compare} of {@code names}; stable. */
    private static int[] sortedIndexes(String[] names, int n) {
        final int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            int j = i - 1;
            while (j >= 0 && GoStrings.compare(names[order[j]], names[i]) > 0) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = i;
        }
        return order;
    }

    private static int compareBytes(ByteBuf buf, int aFrom, int aTo, int bFrom, int bTo) {
        final int n = Math.min(aTo - aFrom, bTo - bFrom);
        for (int i = 0; i < n; i++) {
            final int c = Integer.compare(buf.getByte(aFrom + i) & 0xff, buf.getByte(bFrom + i) & 0xff);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(aTo - aFrom, bTo - bFrom);
    }

    private static IllegalStateException malformed(ByteBuf text, int at, String expected) {
        return new IllegalStateException("malformed stored sample line at offset " + at + ": expected " + expected);
    }

    /**
     * A re-pointable view of one stored sample line, {@code name{l1="v1",l2="v2"} value\n}, as {@code PushEncoder}
     * writes it: label values text-escaped ({@code \\}, {@code \"}, {@code \n}), no timestamp. Strict: anything
     * else is a bug in the store and throws {@link IllegalStateException}. Offsets are absolute indexes in the
     * buffer, valid until the next {@link #wrap}; nothing is copied.
     */
    static final class SampleLineReader {
        private ByteBuf buffer;
        private int nameEnd;
        private int labelCount;
        /** Per label: name start, name end, value start, value end (escaped bytes, quotes excluded). */
        private int[] labels = new int[4 * 8];
        private int valueStart;
        private int valueEnd;

        /** Reads the line starting at {@code offset}; returns the offset after its {@code '\n'}. */
        int wrap(ByteBuf text, int offset) {
            buffer = text;
            labelCount = 0;
            final int lf = text.indexOf(offset, text.writerIndex(), (byte) '\n');
            if (lf < 0) {
                throw malformed(text, offset, "a line ending in '\\n'");
            }
            int i = offset;
            while (i < lf && text.getByte(i) != '{' && text.getByte(i) != ' ') {
                i++;
            }
            nameEnd = i;
            if (i == offset) {
                throw malformed(text, offset, "a metric name");
            }
            if (i < lf && text.getByte(i) == '{') {
                i++;
                if (i < lf && text.getByte(i) == '}') {
                    i++;
                } else {
                    i = readLabels(text, i, lf);
                }
            }
            if (i >= lf || text.getByte(i) != ' ') {
                throw malformed(text, i, "' ' before the value");
            }
            valueStart = i + 1;
            valueEnd = lf;
            if (valueStart == valueEnd) {
                throw malformed(text, i, "a value");
            }
            return lf + 1;
        }

        /** Reads {@code l1="v1",...}} from {@code i}; returns the index after the {@code '}'}. */
        private int readLabels(ByteBuf text, int i, int lf) {
            for (;;) {
                final int nameStart = i;
                while (i < lf && text.getByte(i) != '=') {
                    i++;
                }
                if (i == nameStart || i + 1 >= lf || text.getByte(i + 1) != '"') {
                    throw malformed(text, i, "label=\"");
                }
                final int nameEnd = i;
                i += 2;
                final int start = i;
                while (i < lf && text.getByte(i) != '"') {
                    i += text.getByte(i) == '\\' ? 2 : 1;
                }
                if (i >= lf) {
                    throw malformed(text, start, "a closing quote");
                }
                addLabel(nameStart, nameEnd, start, i);
                i++;
                if (i < lf && text.getByte(i) == ',') {
                    i++;
                } else if (i < lf && text.getByte(i) == '}') {
                    return i + 1;
                } else {
                    throw malformed(text, i, "',' or '}'");
                }
            }
        }

        private void addLabel(int nameStart, int nameEnd, int valueStart, int valueEnd) {
            final int at = 4 * labelCount;
            if (at == labels.length) {
                labels = Arrays.copyOf(labels, labels.length * 2);
            }
            labels[at] = nameStart;
            labels[at + 1] = nameEnd;
            labels[at + 2] = valueStart;
            labels[at + 3] = valueEnd;
            labelCount++;
        }

        ByteBuf buffer() {
            return buffer;
        }

        /** End of the metric name, at the {@code '{'} or the space before the value. */
        int nameEnd() {
            return nameEnd;
        }

        int labelCount() {
            return labelCount;
        }

        int labelNameStart(int index) {
            return labels[4 * index];
        }

        int labelNameEnd(int index) {
            return labels[4 * index + 1];
        }

        /** Start of the escaped value, after the opening quote. */
        int labelValueStart(int index) {
            return labels[4 * index + 2];
        }

        /** End of the escaped value, at the closing quote. */
        int labelValueEnd(int index) {
            return labels[4 * index + 3];
        }

        int valueStart() {
            return valueStart;
        }

        int valueEnd() {
            return valueEnd;
        }

        /** The index of the last label named {@code name} (ASCII), or -1. */
        int lastLabel(ByteBuf text, String name) {
            for (int l = labelCount - 1; l >= 0; l--) {
                final int start = labelNameStart(l);
                if (labelNameEnd(l) - start != name.length()) {
                    continue;
                }
                int i = 0;
                while (i < name.length() && text.getByte(start + i) == name.charAt(i)) {
                    i++;
                }
                if (i == name.length()) {
                    return l;
                }
            }
            return -1;
        }
    }
}
