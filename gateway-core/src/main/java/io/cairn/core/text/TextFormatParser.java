package io.cairn.core.text;

import io.cairn.core.model.GoStrings;

import io.cairn.core.model.MetricType;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushDecoder;
import io.cairn.core.model.PushedFamily;
import io.cairn.core.model.PushedMetric;
import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;

/**
 * Streaming parser for the text exposition format 0.0.4 that accepts and rejects exactly what the Go Pushgateway
 * 1.5.1 does: a port of {@code expfmt.TextParser.TextToMetricFamilies} (prometheus/common v0.37–v0.42,
 * {@code expfmt/text_parse.go}), fed chunk by chunk.
 *
 * <h2>Contract</h2>
 * <pre>
 *   parser.reset(content);            // content.reset() is the caller's job
 *   parser.feed(chunk) ...            // any number of chunks, each consumed whole, never retained or released
 *   parser.finish();                  // end of body: content now holds the push
 * </pre>
 * Only the unfinished last line of a chunk is kept (copied into a reusable scratch array that grows with the
 * longest line seen); complete lines are parsed in place from heap buffers, and from one bulk copy of the complete
 * lines of a direct buffer. Lines have no length limit: the body size limit is the HTTP layer's. One instance per
 * event loop or connection; not thread-safe.
 *
 * <p>After a {@link ParseException} the push is rejected and {@code content} holds garbage: later {@link #feed}
 * calls consume their input and do nothing, {@link #finish()} throws the same exception again, {@link #reset}
 * starts over.
 *
 * <h2>What ends up in the {@link PushContent}, as expfmt builds its map of {@code dto.MetricFamily}</h2>
 * <ul>
 * <li>Families in the order of their first sample. A family that only has HELP or TYPE lines is dropped (expfmt
 * deletes families without metrics), but it still exists while parsing: a later {@code x_count} line finds it.</li>
 * <li>A sample named {@code x_count} or {@code x_sum} ({@code x_bucket} too for histograms) belongs to an existing
 * summary or histogram family {@code x}; otherwise it is its own family, untyped unless a TYPE line said
 * otherwise. HELP and TYPE lines resolve their name the same way: {@code # TYPE x_count gauge} after {@code # TYPE x
 * summary} is a second TYPE line for {@code x}.</li>
 * <li>Summary and histogram lines with the same labels (without {@code quantile}/{@code le}, in any order, and not
 * necessarily consecutive) merge into one metric, which keeps the labels of its first line. A {@code quantile}
 * or {@code le} of {@code NaN} drops the sample silently; a summary line without {@code quantile} that is neither
 * {@code _sum} nor {@code _count} (or a {@code _bucket} line without {@code le}) creates the metric and adds
 * nothing. {@code le} lines may use the family name itself ({@code x{le="1"}}), as in expfmt.</li>
 * <li>Counts ({@code _count}, bucket counts) are converted with Go's {@code uint64(float64)} on amd64, see
 * {@link #goUint64(double)}: fractions truncate, {@code -1} becomes 2^64-1, and NaN, infinities and values beyond
 * the range become 2^63. Verified against the 1.5.1 binary.</li>
 * <li>Timestamps are recorded; rejecting them is not the parser's business.</li>
 * <li>HELP text is unescaped ({@code \\}, {@code \n}) and is not checked for UTF-8 (expfmt does not); invalid bytes
 * become U+FFFD in the Java string. Label values are unescaped ({@code \\}, {@code \n}, {@code \"}) and must be
 * valid UTF-8.</li>
 * </ul>
 *
 * <h2>Deliberate differences</h2>
 * <ul>
 * <li>{@code # TYPE x gauge_histogram} is accepted (the Debian 1.5.1 build links a client_model that knows the
 * type), but a sample of such a family is rejected with {@code unexpected type for metric name "x"}: expfmt
 * swallows that error and stores metrics without values, which the Go gateway then renders as an empty family.
 * The model has no gauge histogram type.</li>
 * <li>The {@code utf8Names} constructor flag ({@code --push.enable-utf8-names}, Pushgateway 1.11) is recorded but
 * the grammar stays the legacy one: quoted names are not parsed yet.</li>
 * </ul>
 */
public final class TextFormatParser implements PushDecoder {
    private static final boolean[] BLANK = new boolean[256];
    private static final boolean[] BLANK_OR_LF = new boolean[256];
    private static final boolean[] METRIC_NAME_START = new boolean[256];
    private static final boolean[] METRIC_NAME_PART = new boolean[256];
    private static final boolean[] LABEL_NAME_START = new boolean[256];
    private static final boolean[] LABEL_NAME_PART = new boolean[256];
    /** Bytes that end the fast scan of a label value. */
    private static final boolean[] LABEL_VALUE_SPECIAL = new boolean[256];

    static {
        BLANK[' '] = true;
        BLANK['\t'] = true;
        BLANK_OR_LF[' '] = true;
        BLANK_OR_LF['\t'] = true;
        BLANK_OR_LF['\n'] = true;
        for (int c = 0; c < 256; c++) {
            final boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
            final boolean digit = c >= '0' && c <= '9';
            LABEL_NAME_START[c] = letter;
            LABEL_NAME_PART[c] = letter || digit;
            METRIC_NAME_START[c] = letter || c == ':';
            METRIC_NAME_PART[c] = letter || digit || c == ':';
        }
        LABEL_VALUE_SPECIAL['"'] = true;
        LABEL_VALUE_SPECIAL['\\'] = true;
        LABEL_VALUE_SPECIAL['\n'] = true;
    }

    private static final String METRIC_NAME_LABEL = "__name__";
    private static final String QUANTILE_LABEL = "quantile";
    private static final String BUCKET_LABEL = "le";

    // what a sample line's name means for its (summary or histogram) family
    private static final int SAMPLE_PLAIN = 0;
    private static final int SAMPLE_COUNT = 1;
    private static final int SAMPLE_SUM = 2;

    private static final int INITIAL_LABELS = 16;

    private final boolean utf8Names;
    private final NameTable names = new NameTable();
    private final GoFloatParser floats = new GoFloatParser();

    // per body
    private final HashMap<String, FamilyState> familiesByName = new HashMap<>();
    private final ArrayList<FamilyState> familyStates = new ArrayList<>();
    private int familyCount;
    private final HashMap<SignatureKey, PushedMetric> compositeMetrics = new HashMap<>();
    private final SignatureKey probe = new SignatureKey();
    private PushContent target;
    private int lineNumber;
    private ParseException failure;
    private byte[] tail = new byte[256];
    private int tailLength;
    private byte[] region = new byte[0];

    // per line
    private byte[] line;
    private FamilyState family;
    private int sampleKind;
    private int labelCount;
    private String[] labelNames = new String[INITIAL_LABELS];
    private int[] valueOffsets = new int[INITIAL_LABELS];
    private int[] valueLengths = new int[INITIAL_LABELS];
    private boolean[] valueEscaped = new boolean[INITIAL_LABELS];
    private int[] sortedLabels = new int[INITIAL_LABELS];
    private byte[] scratch = new byte[256];
    private int scratchLength;
    private double quantile;
    private double bucket;

    public TextFormatParser() {
        this(false);
    }

    /**
     * @param utf8Names {@code --push.enable-utf8-names}; recorded only, the legacy name grammar applies either way
     */
    public TextFormatParser(boolean utf8Names) {
        this.utf8Names = utf8Names;
    }

    public boolean utf8Names() {
        return utf8Names;
    }

    /** Starts a new body that fills {@code target}; the caller has reset {@code target}. */
    public void reset(PushContent target) {
        this.target = target;
        for (int i = 0; i < familyCount; i++) {
            familyStates.get(i).clear();
        }
        familyCount = 0;
        familiesByName.clear();
        compositeMetrics.clear();
        lineNumber = 0;
        failure = null;
        tailLength = 0;
        line = null;
        family = null;
    }

    /**
     * Parses the readable bytes of {@code chunk} and advances its reader index to its writer index. The chunk is
     * neither retained nor released.
     */
    public void feed(ByteBuf chunk) throws ParseException {
        final int to = chunk.writerIndex();
        int from = chunk.readerIndex();
        chunk.readerIndex(to);
        if (failure != null || from == to) {
            return;
        }
        try {
            if (tailLength > 0) {
                final int lf = chunk.indexOf(from, to, (byte) '\n');
                if (lf < 0) {
                    appendTail(chunk, from, to);
                    return;
                }
                appendTail(chunk, from, lf + 1);
                parseLines(tail, 0, tailLength);
                tailLength = 0;
                from = lf + 1;
                if (from == to) {
                    return;
                }
            }
            final int lastLf = chunk.forEachByteDesc(from, to - from, ByteProcessor.FIND_LF);
            if (lastLf < 0) {
                appendTail(chunk, from, to);
                return;
            }
            final int linesEnd = lastLf + 1;
            if (chunk.hasArray()) {
                final int base = chunk.arrayOffset();
                parseLines(chunk.array(), base + from, base + linesEnd);
            } else {
                final int length = linesEnd - from;
                if (region.length < length) {
                    region = new byte[Math.max(length, region.length * 2)];
                }
                chunk.getBytes(from, region, 0, length);
                parseLines(region, 0, length);
            }
            if (linesEnd < to) {
                appendTail(chunk, linesEnd, to);
            }
        } catch (ParseException e) {
            failure = e;
            throw e;
        }
    }

    /** Ends the body: an unfinished last line is an error unless it is blank, as in expfmt. */
    public void finish() throws ParseException {
        if (failure != null) {
            throw failure;
        }
        if (tailLength > 0) {
            try {
                lineNumber++;
                parseLine(tail, 0, tailLength);
            } catch (ParseException e) {
                failure = e;
                throw e;
            } finally {
                tailLength = 0;
            }
        }
        line = null;
        family = null;
    }

    private void appendTail(ByteBuf chunk, int from, int to) {
        final int length = to - from;
        if (tail.length - tailLength < length) {
            tail = Arrays.copyOf(tail, Math.max(tailLength + length, tail.length * 2));
        }
        chunk.getBytes(from, tail, tailLength, length);
        tailLength += length;
    }

    /** Parses lines that all end in {@code '\n'}. */
    private void parseLines(byte[] bytes, int from, int to) throws ParseException {
        line = bytes;
        int i = from;
        while (i < to) {
            lineNumber++;
            i = parseLine(bytes, i, to);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The state machine of expfmt, one line at a time. "i" is the index of expfmt's p.currentByte; reading the
    // next byte past "end" is expfmt's io.EOF, which can only happen in the unfinished last line of a body.
    // No state reads past a '\n' except to start the next line, which is what makes line-at-a-time exact.
    // ---------------------------------------------------------------------------------------------------------

    /** startOfLine; returns the index after the line. */
    private int parseLine(byte[] bytes, int start, int end) throws ParseException {
        line = bytes;
        int i = start;
        while (i < end && BLANK[bytes[i] & 0xFF]) {
            i++;
        }
        if (i == end) {
            return end; // io.EOF at the start of a line is the legitimate end of the body
        }
        final byte c = bytes[i];
        if (c == '#') {
            return parseComment(bytes, i + 1, end);
        }
        if (c == '\n') {
            return i + 1;
        }
        return parseSample(bytes, i, end);
    }

    /** Reads from {@code i} and skips blanks (expfmt skipBlankTab): the index of the first other byte. */
    private int skipBlankTab(byte[] bytes, int i, int end) throws ParseException {
        while (true) {
            if (i >= end) {
                throw endOfInput(lineNumber);
            }
            if (!BLANK[bytes[i] & 0xFF]) {
                return i;
            }
            i++;
        }
    }

    /** readTokenUntilWhitespace: the token starts at the current byte {@code i}; returns its end. */
    private int tokenEnd(byte[] bytes, int i, int end) throws ParseException {
        while (!BLANK_OR_LF[bytes[i] & 0xFF]) {
            if (++i == end) {
                throw endOfInput(lineNumber);
            }
        }
        return i;
    }

    /** readTokenUntilNewline without escapes: the index of the {@code '\n'} at or after {@code i}. */
    private int lineFeed(byte[] bytes, int i, int end) throws ParseException {
        while (bytes[i] != '\n') {
            if (++i == end) {
                throw endOfInput(lineNumber);
            }
        }
        return i;
    }

    /** readTokenAsMetricName when the current byte starts a name: the end of the name. */
    private int metricNameEnd(byte[] bytes, int i, int end) throws ParseException {
        do {
            if (++i == end) {
                throw endOfInput(lineNumber);
            }
        } while (METRIC_NAME_PART[bytes[i] & 0xFF]);
        return i;
    }

    /** startComment; {@code i} is the byte after {@code '#'}. */
    private int parseComment(byte[] bytes, int i, int end) throws ParseException {
        i = skipBlankTab(bytes, i, end);
        if (bytes[i] == '\n') {
            return i + 1;
        }
        final int keywordStart = i;
        i = tokenEnd(bytes, i, end);
        if (bytes[i] == '\n') {
            return i + 1;
        }
        final boolean help = isKeyword(bytes, keywordStart, i, 'H', 'E', 'L', 'P');
        if (!help && !isKeyword(bytes, keywordStart, i, 'T', 'Y', 'P', 'E')) {
            return lineFeed(bytes, i, end) + 1; // a plain comment
        }
        i = skipBlankTab(bytes, i + 1, end);
        final int nameStart = i;
        if (METRIC_NAME_START[bytes[i] & 0xFF]) {
            i = metricNameEnd(bytes, i, end);
        }
        if (bytes[i] == '\n') {
            return i + 1;
        }
        if (!BLANK[bytes[i] & 0xFF]) {
            throw invalidMetricNameInComment(lineNumber);
        }
        final FamilyState state = resolveFamily(bytes, nameStart, i);
        i = skipBlankTab(bytes, i + 1, end);
        if (bytes[i] == '\n') {
            return i + 1;
        }
        return help ? parseHelp(state, bytes, i, end) : parseType(state, bytes, i, end);
    }

    private static boolean isKeyword(byte[] bytes, int start, int end, char c0, char c1, char c2, char c3) {
        return end - start == 4 && bytes[start] == c0 && bytes[start + 1] == c1 && bytes[start + 2] == c2
            && bytes[start + 3] == c3;
    }

    /** readingHelp; the rest of the line is the docstring, with {@code \\} and {@code \n} escapes. */
    private int parseHelp(FamilyState state, byte[] bytes, int i, int end) throws ParseException {
        if (state.help != null) {
            throw secondHelp(lineNumber, state.name);
        }
        final int start = i;
        while (bytes[i] != '\n' && bytes[i] != '\\') {
            if (++i == end) {
                throw endOfInput(lineNumber);
            }
        }
        final String help;
        if (bytes[i] == '\n') { // fast path: no escapes
            help = new String(bytes, start, i - start, StandardCharsets.UTF_8);
        } else {
            scratchLength = 0;
            appendScratch(bytes, start, i - start);
            boolean escaped = false;
            while (true) {
                final byte c = bytes[i];
                if (escaped) {
                    if (c == '\\') {
                        appendScratch('\\');
                    } else if (c == 'n') {
                        appendScratch('\n');
                    } else {
                        throw invalidEscape(lineNumber, c);
                    }
                    escaped = false;
                } else if (c == '\n') {
                    break;
                } else if (c == '\\') {
                    escaped = true;
                } else {
                    appendScratch(c);
                }
                if (++i == end) {
                    throw endOfInput(lineNumber);
                }
            }
            help = new String(scratch, 0, scratchLength, StandardCharsets.UTF_8);
        }
        state.help = help;
        if (state.pushed != null) {
            state.pushed.help(help);
        }
        return i + 1;
    }

    /** readingType; the rest of the line is the type, matched as expfmt does after {@code strings.ToUpper}. */
    private int parseType(FamilyState state, byte[] bytes, int i, int end) throws ParseException {
        if (state.hasType()) {
            throw secondType(lineNumber, state.name);
        }
        final int lf = lineFeed(bytes, i, end);
        final String upper = goToUpper(bytes, i, lf);
        if ("GAUGE_HISTOGRAM".equals(upper)) {
            state.gaugeHistogram = true;
            return lf + 1;
        }
        final MetricType type = upper == null ? null : MetricType.fromTextName(upper.toLowerCase(Locale.ROOT));
        if (type == null) {
            throw unknownType(lineNumber, bytes, i, lf);
        }
        state.type = type;
        return lf + 1;
    }

    /**
     * Go's {@code strings.ToUpper} as far as it can yield a type name: ASCII letters and {@code _}, plus the two
     * non-ASCII letters whose upper case is ASCII, U+0131 (dotless i) and U+017F (long s). Any other byte means
     * "not a type": {@code null}.
     */
    private static String goToUpper(byte[] bytes, int start, int end) {
        if (end - start > 2 * "GAUGE_HISTOGRAM".length()) {
            return null;
        }
        final StringBuilder upper = new StringBuilder(end - start);
        for (int i = start; i < end; i++) {
            final int c = bytes[i] & 0xFF;
            if (c >= 'a' && c <= 'z') {
                upper.append((char) (c - ('a' - 'A')));
            } else if ((c >= 'A' && c <= 'Z') || c == '_') {
                upper.append((char) c);
            } else if (c == 0xC4 && i + 1 < end && (bytes[i + 1] & 0xFF) == 0xB1) {
                upper.append('I');
                i++;
            } else if (c == 0xC5 && i + 1 < end && (bytes[i + 1] & 0xFF) == 0xBF) {
                upper.append('S');
                i++;
            } else {
                return null;
            }
        }
        return upper.toString();
    }

    /** readingMetricName; {@code i} is the first byte of the line that is not blank, {@code '#'} or {@code '\n'}. */
    private int parseSample(byte[] bytes, int i, int end) throws ParseException {
        if (!METRIC_NAME_START[bytes[i] & 0xFF]) {
            throw invalidMetricName(lineNumber);
        }
        final int nameStart = i;
        i = metricNameEnd(bytes, i, end);
        final FamilyState state = resolveFamily(bytes, nameStart, i);
        if (!state.hasType()) {
            state.type = MetricType.UNTYPED;
        }
        family = state;
        labelCount = 0;
        scratchLength = 0;
        quantile = Double.NaN;
        bucket = Double.NaN;
        if (BLANK[bytes[i] & 0xFF]) {
            i = skipBlankTab(bytes, i + 1, end);
        }
        if (bytes[i] == '{') {
            i = parseLabels(bytes, i + 1, end);
        }
        return parseValue(bytes, i, end);
    }

    /** startLabelName and startLabelValue; returns the index of the first byte of the value. */
    private int parseLabels(byte[] bytes, int i, int end) throws ParseException {
        final FamilyState state = family;
        final boolean summary = state.type == MetricType.SUMMARY;
        final boolean histogram = state.type == MetricType.HISTOGRAM;
        while (true) {
            i = skipBlankTab(bytes, i, end);
            if (bytes[i] == '}') {
                return skipBlankTab(bytes, i + 1, end);
            }
            if (!LABEL_NAME_START[bytes[i] & 0xFF]) {
                throw invalidLabelName(lineNumber, state.name);
            }
            final int nameStart = i;
            do {
                if (++i == end) {
                    throw endOfInput(lineNumber);
                }
            } while (LABEL_NAME_PART[bytes[i] & 0xFF]);
            final String name = names.intern(bytes, nameStart, i - nameStart);
            if (METRIC_NAME_LABEL.equals(name)) {
                throw reservedLabelName(lineNumber);
            }
            // quantile (summaries) and le (histograms) are not labels but quantiles and bucket bounds
            final boolean special = (summary && QUANTILE_LABEL.equals(name)) || (histogram && BUCKET_LABEL.equals(name));
            if (BLANK[bytes[i] & 0xFF]) {
                i = skipBlankTab(bytes, i + 1, end);
            }
            if (bytes[i] != '=') {
                throw expectedEquals(lineNumber, bytes[i]);
            }
            if (!special) {
                // expfmt appends the label before it checks for '=', and checks for duplicates after
                for (int k = 0; k < labelCount; k++) {
                    if (labelNames[k].equals(name)) {
                        throw duplicateLabelName(lineNumber, state.name);
                    }
                }
            }
            i = skipBlankTab(bytes, i + 1, end);
            if (bytes[i] != '"') {
                throw expectedQuote(lineNumber, bytes[i]);
            }
            i = readLabelValue(bytes, i + 1, end);
            final int valueIndex = labelCount; // readLabelValue left the value at this index
            final byte[] valueBytes = valueEscaped[valueIndex] ? scratch : bytes;
            final int valueOffset = valueOffsets[valueIndex];
            final int valueLength = valueLengths[valueIndex];
            if (!GoStrings.isValidUtf8(valueBytes, valueOffset, valueLength)) {
                throw invalidLabelValue(lineNumber, valueBytes, valueOffset, valueLength);
            }
            if (special) {
                if (!parseExpfmtFloat(valueBytes, valueOffset, valueLength)) {
                    throw summary ? invalidQuantile(lineNumber, valueBytes, valueOffset, valueLength)
                        : invalidBucket(lineNumber, valueBytes, valueOffset, valueLength);
                }
                if (summary) {
                    quantile = floats.value();
                } else {
                    bucket = floats.value();
                }
            } else {
                labelNames[valueIndex] = name;
                labelCount++;
            }
            i = skipBlankTab(bytes, i + 1, end);
            final byte c = bytes[i];
            if (c == ',') {
                i++;
            } else if (c == '}') {
                return skipBlankTab(bytes, i + 1, end);
            } else {
                throw unexpectedEndOfLabelValue(lineNumber, valueBytes, valueOffset, valueLength);
            }
        }
    }

    /**
     * readTokenAsLabelValue from the byte after the opening quote; stores the (unescaped) value as label number
     * {@link #labelCount} and returns the index of the closing quote.
     */
    private int readLabelValue(byte[] bytes, int start, int end) throws ParseException {
        ensureLabelCapacity();
        final int slot = labelCount;
        int i = start;
        while (true) {
            if (i == end) {
                throw endOfInput(lineNumber);
            }
            if (LABEL_VALUE_SPECIAL[bytes[i] & 0xFF]) {
                break;
            }
            i++;
        }
        if (bytes[i] == '"') { // fast path: no escapes, the value stays in the line
            valueEscaped[slot] = false;
            valueOffsets[slot] = start;
            valueLengths[slot] = i - start;
            return i;
        }
        if (bytes[i] == '\n') {
            throw unescapedNewLine(lineNumber, bytes, start, i - start);
        }
        // slow path: unescape into the scratch array
        final int valueStart = scratchLength;
        appendScratch(bytes, start, i - start);
        boolean escaped = false;
        while (true) {
            final byte c = bytes[i];
            if (escaped) {
                if (c == '"' || c == '\\') {
                    appendScratch(c);
                } else if (c == 'n') {
                    appendScratch('\n');
                } else {
                    throw invalidEscape(lineNumber, c);
                }
                escaped = false;
            } else if (c == '"') {
                break;
            } else if (c == '\n') {
                throw unescapedNewLine(lineNumber, scratch, valueStart, scratchLength - valueStart);
            } else if (c == '\\') {
                escaped = true;
            } else {
                appendScratch(c);
            }
            if (++i == end) {
                throw endOfInput(lineNumber);
            }
        }
        valueEscaped[slot] = true;
        valueOffsets[slot] = valueStart;
        valueLengths[slot] = scratchLength - valueStart;
        return i;
    }

    /** readingValue and startTimestamp; {@code i} is the first byte of the value. */
    private int parseValue(byte[] bytes, int i, int end) throws ParseException {
        final int valueStart = i;
        i = tokenEnd(bytes, i, end);
        if (!parseExpfmtFloat(bytes, valueStart, i - valueStart)) {
            throw invalidValue(lineNumber, bytes, valueStart, i - valueStart);
        }
        final FamilyState state = family;
        if (state.gaugeHistogram) {
            throw unexpectedType(lineNumber, state.name);
        }
        final PushedMetric metric = metricOfLine(state);
        storeValue(state.type, metric, floats.value());
        if (bytes[i] == '\n') {
            return i + 1;
        }
        i = skipBlankTab(bytes, i + 1, end);
        final int timestampStart = i;
        i = tokenEnd(bytes, i, end);
        final long timestampMs = parseTimestamp(bytes, timestampStart, i);
        metric.timestampMs(timestampMs);
        final int lf = lineFeed(bytes, i, end);
        if (lf > i) {
            throw spuriousString(lineNumber, bytes, i, lf - i);
        }
        return lf + 1;
    }

    private void storeValue(MetricType type, PushedMetric metric, double value) {
        switch (type) {
            case SUMMARY:
                if (sampleKind == SAMPLE_COUNT) {
                    metric.sampleCount(goUint64(value));
                } else if (sampleKind == SAMPLE_SUM) {
                    metric.sampleSum(value);
                } else if (!Double.isNaN(quantile)) {
                    metric.addQuantile(quantile, value);
                }
                break;
            case HISTOGRAM:
                if (sampleKind == SAMPLE_COUNT) {
                    metric.sampleCount(goUint64(value));
                } else if (sampleKind == SAMPLE_SUM) {
                    metric.sampleSum(value);
                } else if (!Double.isNaN(bucket)) {
                    metric.addBucket(bucket, goUint64(value));
                }
                break;
            default:
                metric.value(value);
                break;
        }
    }

    /** The metric a sample line goes to: a new one, or for summaries and histograms the one with its labels. */
    private PushedMetric metricOfLine(FamilyState state) {
        PushedFamily pushed = state.pushed;
        if (pushed == null) {
            pushed = target.addFamily(state.name);
            pushed.type(state.type);
            pushed.help(state.help);
            state.pushed = pushed;
        }
        if (!state.type.isComposite()) {
            return newMetric(pushed);
        }
        buildSignature(state.ordinal);
        final PushedMetric existing = compositeMetrics.get(probe);
        if (existing != null) {
            return existing;
        }
        final PushedMetric metric = newMetric(pushed);
        compositeMetrics.put(probe.copy(), metric);
        return metric;
    }

    private PushedMetric newMetric(PushedFamily pushed) {
        final PushedMetric metric = pushed.addMetric();
        for (int k = 0; k < labelCount; k++) {
            final byte[] valueBytes = valueEscaped[k] ? scratch : line;
            metric.addLabel(labelNames[k], new String(valueBytes, valueOffsets[k], valueLengths[k],
                StandardCharsets.UTF_8));
        }
        return metric;
    }

    /**
     * The key expfmt's {@code LabelsToSignature} stands for: the family and the labels sorted by name, each
     * {@code name 0xFF value 0xFF} (values are valid UTF-8, so {@code 0xFF} cannot occur in them).
     */
    private void buildSignature(int familyOrdinal) {
        final int[] order = sortedLabels;
        for (int k = 0; k < labelCount; k++) {
            int j = k;
            while (j > 0 && labelNames[order[j - 1]].compareTo(labelNames[k]) > 0) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = k;
        }
        final SignatureKey key = probe;
        key.length = 0;
        key.appendInt(familyOrdinal);
        for (int n = 0; n < labelCount; n++) {
            final int k = order[n];
            final String name = labelNames[k];
            for (int c = 0; c < name.length(); c++) {
                key.append((byte) name.charAt(c));
            }
            key.append((byte) 0xFF);
            key.append(valueEscaped[k] ? scratch : line, valueOffsets[k], valueLengths[k]);
            key.append((byte) 0xFF);
        }
        key.computeHash();
    }

    /**
     * expfmt's setOrCreateCurrentMF: the family of that name, or the summary/histogram it is the {@code _count},
     * {@code _sum} (or {@code _bucket}) of, or a new family. Sets {@link #sampleKind}.
     */
    private FamilyState resolveFamily(byte[] bytes, int start, int end) {
        sampleKind = SAMPLE_PLAIN;
        final int length = end - start;
        final String name = names.intern(bytes, start, length);
        FamilyState state = familiesByName.get(name);
        if (state != null) {
            return state;
        }
        final int suffixKind = endsWith(bytes, end, length, "_count") ? SAMPLE_COUNT
            : endsWith(bytes, end, length, "_sum") ? SAMPLE_SUM : SAMPLE_PLAIN;
        String baseName = null;
        if (suffixKind != SAMPLE_PLAIN) {
            baseName = names.intern(bytes, start, length - (suffixKind == SAMPLE_COUNT ? 6 : 4));
            state = familiesByName.get(baseName);
            if (state != null && state.type == MetricType.SUMMARY) {
                sampleKind = suffixKind;
                return state;
            }
        } else if (endsWith(bytes, end, length, "_bucket")) {
            baseName = names.intern(bytes, start, length - 7);
        }
        if (baseName != null) {
            state = familiesByName.get(baseName);
            if (state != null && state.type == MetricType.HISTOGRAM) {
                sampleKind = suffixKind;
                return state;
            }
        }
        return newFamily(name);
    }

    // expfmt's isCount/isSum/isBucket: the suffix and at least one more byte
    private static boolean endsWith(byte[] bytes, int end, int length, String suffix) {
        final int n = suffix.length();
        if (length <= n) {
            return false;
        }
        for (int k = 0; k < n; k++) {
            if (bytes[end - n + k] != suffix.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private FamilyState newFamily(String name) {
        if (familyCount == familyStates.size()) {
            familyStates.add(new FamilyState());
        }
        final FamilyState state = familyStates.get(familyCount);
        state.name = name;
        state.ordinal = familyCount++;
        familiesByName.put(name, state);
        return state;
    }

    /** expfmt's parseFloat: strconv.ParseFloat, but nothing containing {@code p}, {@code P} or {@code _}. */
    private boolean parseExpfmtFloat(byte[] bytes, int offset, int length) {
        for (int i = offset, end = offset + length; i < end; i++) {
            final byte c = bytes[i];
            if (c == 'p' || c == 'P' || c == '_') {
                return false;
            }
        }
        return floats.parse(bytes, offset, length);
    }

    /** {@code strconv.ParseInt(s, 10, 64)}: an optional sign and decimal digits, within the int64 range. */
    private long parseTimestamp(byte[] bytes, int start, int end) throws ParseException {
        int i = start;
        boolean negative = false;
        if (i < end && (bytes[i] == '+' || bytes[i] == '-')) {
            negative = bytes[i] == '-';
            i++;
        }
        if (i == end) {
            throw invalidTimestamp(lineNumber, bytes, start, end - start);
        }
        long magnitude = 0; // accumulated negatively so that Long.MIN_VALUE fits
        for (; i < end; i++) {
            final int digit = bytes[i] - '0';
            if (digit < 0 || digit > 9 || magnitude < (Long.MIN_VALUE + digit) / 10) {
                throw invalidTimestamp(lineNumber, bytes, start, end - start);
            }
            magnitude = magnitude * 10 - digit;
        }
        if (!negative) {
            if (magnitude == Long.MIN_VALUE) {
                throw invalidTimestamp(lineNumber, bytes, start, end - start);
            }
            return -magnitude;
        }
        return magnitude;
    }

    /**
     * Go's {@code uint64(f)} as the gc compiler emits it on amd64: below 2^63 a truncating signed conversion
     * (CVTTSD2SQ, whose out-of-range result is 0x8000000000000000), otherwise the conversion of {@code f - 2^63}
     * with the top bit set. So {@code -1.5} gives 2^64-1, NaN and ±Inf give 2^63. The result is an unsigned 64-bit
     * count in a {@code long}.
     */
    static long goUint64(double value) {
        final double cutoff = 0x1p63;
        if (value < cutoff) {
            return cvttsd2sq(value);
        }
        return cvttsd2sq(value - cutoff) | Long.MIN_VALUE;
    }

    private static long cvttsd2sq(double value) {
        if (Double.isNaN(value) || value >= 0x1p63 || value < -0x1p63) {
            return Long.MIN_VALUE; // the "integer indefinite" value
        }
        return (long) value;
    }

    private void ensureLabelCapacity() {
        if (labelCount == labelNames.length) {
            final int capacity = labelCount * 2;
            labelNames = Arrays.copyOf(labelNames, capacity);
            valueOffsets = Arrays.copyOf(valueOffsets, capacity);
            valueLengths = Arrays.copyOf(valueLengths, capacity);
            valueEscaped = Arrays.copyOf(valueEscaped, capacity);
            sortedLabels = Arrays.copyOf(sortedLabels, capacity);
        }
    }

    private void appendScratch(byte[] bytes, int offset, int length) {
        if (scratch.length - scratchLength < length) {
            scratch = Arrays.copyOf(scratch, Math.max(scratchLength + length, scratch.length * 2));
        }
        System.arraycopy(bytes, offset, scratch, scratchLength, length);
        scratchLength += length;
    }

    private void appendScratch(int c) {
        if (scratchLength == scratch.length) {
            scratch = Arrays.copyOf(scratch, scratch.length * 2);
        }
        scratch[scratchLength++] = (byte) c;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Errors: expfmt's messages, built off the hot path.
    // ---------------------------------------------------------------------------------------------------------

    private static ParseException endOfInput(int line) {
        return new ParseException(line, "unexpected end of input stream");
    }

    private static ParseException invalidMetricNameInComment(int line) {
        return new ParseException(line, "invalid metric name in comment");
    }

    private static ParseException invalidMetricName(int line) {
        return new ParseException(line, "invalid metric name");
    }

    private static ParseException secondHelp(int line, String family) {
        return new ParseException(line, "second HELP line for metric name " + quote(family));
    }

    private static ParseException secondType(int line, String family) {
        return new ParseException(line,
            "second TYPE line for metric name " + quote(family) + ", or TYPE reported after samples");
    }

    private static ParseException unknownType(int line, byte[] bytes, int start, int end) {
        return new ParseException(line, "unknown metric type " + GoStrings.quote(bytes, start, end - start));
    }

    private static ParseException unexpectedType(int line, String family) {
        return new ParseException(line, "unexpected type for metric name " + quote(family));
    }

    private static ParseException invalidEscape(int line, byte c) {
        return new ParseException(line, "invalid escape sequence '\\" + GoStrings.charOfByte(c) + "'");
    }

    private static ParseException invalidLabelName(int line, String family) {
        return new ParseException(line, "invalid label name for metric " + quote(family));
    }

    private static ParseException reservedLabelName(int line) {
        return new ParseException(line, "label name \"" + METRIC_NAME_LABEL + "\" is reserved");
    }

    private static ParseException expectedEquals(int line, byte found) {
        return new ParseException(line, "expected '=' after label name, found " + GoStrings.quoteByte(found));
    }

    private static ParseException duplicateLabelName(int line, String family) {
        return new ParseException(line, "duplicate label names for metric " + quote(family));
    }

    private static ParseException expectedQuote(int line, byte found) {
        return new ParseException(line, "expected '\"' at start of label value, found " + GoStrings.quoteByte(found));
    }

    private static ParseException unescapedNewLine(int line, byte[] bytes, int offset, int length) {
        return new ParseException(line,
            "label value " + GoStrings.quote(bytes, offset, length) + " contains unescaped new-line");
    }

    private static ParseException invalidLabelValue(int line, byte[] bytes, int offset, int length) {
        return new ParseException(line, "invalid label value " + GoStrings.quote(bytes, offset, length));
    }

    private static ParseException invalidQuantile(int line, byte[] bytes, int offset, int length) {
        return new ParseException(line,
            "expected float as value for 'quantile' label, got " + GoStrings.quote(bytes, offset, length));
    }

    private static ParseException invalidBucket(int line, byte[] bytes, int offset, int length) {
        return new ParseException(line,
            "expected float as value for 'le' label, got " + GoStrings.quote(bytes, offset, length));
    }

    private static ParseException unexpectedEndOfLabelValue(int line, byte[] bytes, int offset, int length) {
        return new ParseException(line, "unexpected end of label value " + GoStrings.quote(bytes, offset, length));
    }

    private static ParseException invalidValue(int line, byte[] bytes, int offset, int length) {
        return new ParseException(line, "expected float as value, got " + GoStrings.quote(bytes, offset, length));
    }

    private static ParseException invalidTimestamp(int line, byte[] bytes, int offset, int length) {
        return new ParseException(line, "expected integer as timestamp, got " + GoStrings.quote(bytes, offset, length));
    }

    private static ParseException spuriousString(int line, byte[] bytes, int offset, int length) {
        return new ParseException(line, "spurious string after timestamp: " + GoStrings.quote(bytes, offset, length));
    }

    private static String quote(String asciiName) {
        return '"' + asciiName + '"'; // metric names are ASCII letters, digits, '_' and ':': nothing to escape
    }

    /** What expfmt knows about a family while parsing; reused across bodies. */
    private static final class FamilyState {
        String name;
        String help;
        MetricType type;
        boolean gaugeHistogram;
        int ordinal;
        PushedFamily pushed;

        boolean hasType() {
            return type != null || gaugeHistogram;
        }

        void clear() {
            name = null;
            help = null;
            type = null;
            gaugeHistogram = false;
            pushed = null;
        }
    }

    /** A growable byte key; the probe instance is rewritten per line, stored keys are exact-size copies. */
    private static final class SignatureKey {
        byte[] bytes = new byte[64];
        int length;
        int hash;

        void appendInt(int value) {
            append((byte) (value >>> 24));
            append((byte) (value >>> 16));
            append((byte) (value >>> 8));
            append((byte) value);
        }

        void append(byte b) {
            if (length == bytes.length) {
                bytes = Arrays.copyOf(bytes, length * 2);
            }
            bytes[length++] = b;
        }

        void append(byte[] source, int offset, int count) {
            if (bytes.length - length < count) {
                bytes = Arrays.copyOf(bytes, Math.max(length + count, bytes.length * 2));
            }
            System.arraycopy(source, offset, bytes, length, count);
            length += count;
        }

        void computeHash() {
            int h = 1;
            for (int i = 0; i < length; i++) {
                h = 31 * h + bytes[i];
            }
            hash = h;
        }

        SignatureKey copy() {
            final SignatureKey key = new SignatureKey();
            key.bytes = Arrays.copyOf(bytes, length);
            key.length = length;
            key.hash = hash;
            return key;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            if (!(other instanceof SignatureKey)) {
                return false;
            }
            final SignatureKey that = (SignatureKey) other;
            return hash == that.hash && Arrays.equals(bytes, 0, length, that.bytes, 0, that.length);
        }
    }
}
