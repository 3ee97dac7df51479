package io.cairn.core.model;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decodes the part of a push URL after {@code /metrics/job} into a {@link GroupingKey}, exactly as the Go
 * Pushgateway does ({@code handler/push.go}: {@code Push}, {@code splitLabels}, {@code decodeBase64}), in the same
 * order, so that the first error found is the one Go reports:
 * <ol>
 *   <li>percent-decoding of the whole remainder, as Go's {@code net/url} does before routing: {@code %2F} becomes a
 *       separator, {@code +} stays a plus, an invalid escape is {@link GroupingKeyException.Kind#MALFORMED_URI};</li>
 *   <li>{@code //}, {@code /./} and {@code /../} in the decoded path: {@link
 *       GroupingKeyException.Kind#NON_CANONICAL_PATH} (Go's {@code ServeMux} redirects them);</li>
 *   <li>routing: {@code /<job>} or {@code @base64/<job>}, then optional {@code /<name>/<value>} pairs, else
 *       {@link GroupingKeyException.Kind#NOT_FOUND};</li>
 *   <li>the base64 job name, the label pairs from left to right, then the empty job name;</li>
 *   <li>last, a check Go does not make: every job name and label value must be valid UTF-8 (Go accepts such a
 *       push and from then on every scrape fails).</li>
 * </ol>
 * Repeated label names: the last one wins; a {@code job} pair among the labels is overwritten by the job segment.
 * A trailing slash gives an empty value for the last label ({@code /j/a/} is {@code {a="", job="j"}}), as in Go.
 *
 * <p>With {@code utf8Names} ({@code --push.enable-utf8-names}) label names are unescaped from the {@code U__}
 * value-encoding escaping of {@code prometheus/common} ({@code model.UnescapeName}; an invalid escape leaves the
 * name unchanged) and need only be non-empty valid UTF-8; otherwise they must match {@code [a-zA-Z_][a-zA-Z0-9_]*}.
 * A name must not start with {@code __}.
 *
 * <p>Characters of the raw path up to {@code U+00FF} are taken as bytes (an HTTP request line is bytes, and Netty
 * hands them over as ISO-8859-1); anything above is taken as UTF-8.
 */
public final class GroupingKeyPathDecoder {
    private static final byte[] BASE64_SUFFIX = "@base64".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BASE64_JOB_ROUTE = "@base64/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ESCAPED_NAME_PREFIX = "U__".getBytes(StandardCharsets.US_ASCII);

    /** RFC 4648 "URL and filename safe" alphabet; -1 for bytes outside it. */
    private static final byte[] BASE64_URL_DECODE = new byte[256];
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    static {
        Arrays.fill(BASE64_URL_DECODE, (byte) -1);
        final String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < alphabet.length(); i++) {
            BASE64_URL_DECODE[alphabet.charAt(i)] = (byte) i;
        }
    }

    private GroupingKeyPathDecoder() {
    }

    /**
     * @param rawPath the still percent-encoded path after {@code /metrics/job}, without the query string, e.g.
     *                {@code /my%20job/instance/i} or {@code @base64/YWJj/x/1}
     * @param utf8Names whether label names may be {@code U__}-escaped UTF-8 ({@code --push.enable-utf8-names})
     * @return the grouping key, including {@code job}
     * @throws GroupingKeyException with Go's message when the path names no valid grouping key
     */
    public static GroupingKey decode(CharSequence rawPath, boolean utf8Names) throws GroupingKeyException {
        final byte[] path = percentDecode(rawPath);
        checkCanonical(path);

        final boolean jobBase64;
        final int jobStart;
        if (path.length > 0 && path[0] == '/') {
            jobBase64 = false;
            jobStart = 1;
        } else if (startsWith(path, 0, path.length, BASE64_JOB_ROUTE)) {
            jobBase64 = true;
            jobStart = BASE64_JOB_ROUTE.length;
        } else {
            throw notFound(path);
        }
        final int slash = indexOf(path, (byte) '/', jobStart, path.length);
        final int jobEnd = slash < 0 ? path.length : slash;
        if (jobEnd == jobStart) {
            // "/" or "@base64/": the router's ":job" parameter cannot be empty.
            throw notFound(path);
        }

        byte[] job = Arrays.copyOfRange(path, jobStart, jobEnd);
        if (jobBase64) {
            final byte[] decoded = new byte[maxDecodedLength(job.length)];
            final long result = decodeBase64(job, 0, job.length, decoded);
            if (result < 0) {
                // Go quotes what was decoded before the error, not the input: "job, err = decodeBase64(job)".
                throw invalidBase64Job(decoded, base64DecodedLength(result), base64ErrorIndex(result));
            }
            job = Arrays.copyOf(decoded, (int) result);
        }

        final Map<String, byte[]> labels = splitLabels(path, jobEnd, path.length, utf8Names);
        if (job.length == 0) {
            throw new GroupingKeyException("job name is required");
        }
        return toGroupingKey(job, labels);
    }

    // ------------------------------------------------------------------ routing

    private static void checkCanonical(byte[] path) throws GroupingKeyException {
        // Every '/' starts a segment of "/metrics/job<path>"; the text before the first '/' belongs to "job".
        int slash = indexOf(path, (byte) '/', 0, path.length);
        while (slash >= 0) {
            final int start = slash + 1;
            final int end = indexOf(path, (byte) '/', start, path.length);
            final int segmentEnd = end < 0 ? path.length : end;
            final int length = segmentEnd - start;
            final boolean empty = length == 0 && end >= 0;
            final boolean dots = (length == 1 || length == 2) && path[start] == '.' && path[segmentEnd - 1] == '.';
            if (empty || dots) {
                throw new GroupingKeyException(GroupingKeyException.Kind.NON_CANONICAL_PATH,
                        "path is not canonical: " + GoStrings.quote(path, 0, path.length));
            }
            slash = end;
        }
    }

    private static GroupingKeyException notFound(byte[] path) {
        return new GroupingKeyException(GroupingKeyException.Kind.NOT_FOUND,
                "no push route for /metrics/job" + new String(path, StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ labels

    /** Go's {@code splitLabels} over {@code path[start, end)}, which is empty or starts with '/'. */
    private static Map<String, byte[]> splitLabels(byte[] path, int start, int end, boolean utf8Names)
            throws GroupingKeyException {
        final Map<String, byte[]> labels = new LinkedHashMap<>();
        if (end - start <= 1) {
            return labels;
        }
        int components = 1;
        for (int i = start + 1; i < end; i++) {
            if (path[i] == '/') {
                components++;
            }
        }
        if (components % 2 != 0) {
            throw new GroupingKeyException("odd number of components in label string " + GoStrings.quote(path, start, end - start));
        }
        int nameStart = start + 1;
        while (nameStart <= end) {
            final int nameEnd = indexOf(path, (byte) '/', nameStart, end);
            final int valueStart = nameEnd + 1;
            final int slash = indexOf(path, (byte) '/', valueStart, end);
            final int valueEnd = slash < 0 ? end : slash;

            final boolean base64 = endsWith(path, nameStart, nameEnd, BASE64_SUFFIX);
            final byte[] trimmedName = Arrays.copyOfRange(path, nameStart,
                    base64 ? nameEnd - BASE64_SUFFIX.length : nameEnd);
            final byte[] name = utf8Names ? unescapeName(trimmedName) : trimmedName;
            if (!isValidLabelName(name, utf8Names)) {
                throw improperLabelName(trimmedName);
            }
            final String nameString = new String(name, StandardCharsets.UTF_8);
            if (!base64) {
                labels.put(nameString, Arrays.copyOfRange(path, valueStart, valueEnd));
            } else {
                final byte[] decoded = new byte[maxDecodedLength(valueEnd - valueStart)];
                final long result = decodeBase64(path, valueStart, valueEnd, decoded);
                if (result < 0) {
                    throw invalidBase64Label(trimmedName, path, valueStart, valueEnd, base64ErrorIndex(result));
                }
                labels.put(nameString, Arrays.copyOf(decoded, (int) result));
            }
            nameStart = valueEnd + 1;
        }
        return labels;
    }

    private static boolean isValidLabelName(byte[] name, boolean utf8Names) {
        if (name.length == 0) {
            return false;
        }
        // Go checks the reserved prefix on the escaped name only; we also refuse "U______x", which unescapes to
        // "__x": a reserved label in a grouping key would be force-set on every pushed sample.
        if (name.length >= 2 && name[0] == '_' && name[1] == '_') {
            return false;
        }
        if (utf8Names) {
            return GoStrings.isValidUtf8(name, 0, name.length);
        }
        for (int i = 0; i < name.length; i++) {
            final int b = name[i];
            final boolean letter = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_';
            if (!letter && !(i > 0 && b >= '0' && b <= '9')) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code model.UnescapeName(name, model.ValueEncodingEscaping)}: after a {@code U__} prefix, {@code __} is
     * {@code _} and {@code _<hex>_} is a code point; any invalid sequence leaves the whole name unchanged.
     */
    private static byte[] unescapeName(byte[] name) {
        if (!startsWith(name, 0, name.length, ESCAPED_NAME_PREFIX)) {
            return name;
        }
        final byte[] out = new byte[name.length];
        int length = 0;
        top:
        for (int i = ESCAPED_NAME_PREFIX.length; i < name.length; i++) {
            if (name[i] != '_') {
                out[length++] = name[i];
                continue;
            }
            i++;
            if (i >= name.length) {
                return name;
            }
            if (name[i] == '_') {
                out[length++] = '_';
                continue;
            }
            int codePoint = 0;
            for (int digits = 0; i < name.length; digits++) {
                if (digits >= 6) {
                    return name;
                }
                if (name[i] == '_') {
                    if (!isValidRune(codePoint)) {
                        return name;
                    }
                    length = putUtf8(out, length, codePoint);
                    continue top;
                }
                // Go's lower(): c | 0x20, so bytes 0x10-0x19 count as digits there too.
                final int c = name[i] | 0x20;
                codePoint *= 16;
                if (c >= '0' && c <= '9') {
                    codePoint += c - '0';
                } else if (c >= 'a' && c <= 'f') {
                    codePoint += c - 'a' + 10;
                } else {
                    return name;
                }
                i++;
            }
            return name;
        }
        return Arrays.copyOf(out, length);
    }

    private static GroupingKey toGroupingKey(byte[] job, Map<String, byte[]> labelBytes)
            throws GroupingKeyException {
        if (!GoStrings.isValidUtf8(job, 0, job.length)) {
            throw new GroupingKeyException("invalid UTF-8 in job name " + GoStrings.quote(job, 0, job.length));
        }
        final Map<String, String> labels = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> label : labelBytes.entrySet()) {
            if (label.getKey().equals(GroupingKey.JOB)) {
                continue; // overwritten by the job segment below, as in Go
            }
            final byte[] value = label.getValue();
            if (!GoStrings.isValidUtf8(value, 0, value.length)) {
                throw new GroupingKeyException(
                        "invalid UTF-8 in label " + label.getKey() + "=" + GoStrings.quote(value, 0, value.length));
            }
            labels.put(label.getKey(), new String(value, StandardCharsets.UTF_8));
        }
        labels.put(GroupingKey.JOB, new String(job, StandardCharsets.UTF_8));
        return GroupingKey.of(labels);
    }

    // ------------------------------------------------------------------ errors (cold)

    private static GroupingKeyException improperLabelName(byte[] trimmedName) {
        return new GroupingKeyException("improper label name " + GoStrings.quote(trimmedName, 0, trimmedName.length));
    }

    private static GroupingKeyException invalidBase64Job(byte[] decoded, int decodedLength, int errorIndex) {
        return new GroupingKeyException("invalid base64 encoding in job name " + GoStrings.quote(decoded, 0, decodedLength)
                + ": " + illegalBase64(errorIndex));
    }

    private static GroupingKeyException invalidBase64Label(byte[] trimmedName, byte[] value, int start, int end,
                                                           int errorIndex) {
        return new GroupingKeyException("invalid base64 encoding for label "
                + new String(trimmedName, StandardCharsets.UTF_8) + "=" + GoStrings.quote(value, start, end - start) + ": "
                + illegalBase64(errorIndex));
    }

    private static String illegalBase64(int errorIndex) {
        return "illegal base64 data at input byte " + errorIndex;
    }

    // ------------------------------------------------------------------ percent-decoding

    /** Go's {@code url.PathUnescape} over the raw path; '+' is a plus. */
    private static byte[] percentDecode(CharSequence raw) throws GroupingKeyException {
        final int length = raw.length();
        byte[] out = new byte[length];
        int n = 0;
        for (int i = 0; i < length; i++) {
            final char c = raw.charAt(i);
            if (c == '%') {
                final int hi = i + 2 < length ? GoStrings.hexValue(raw.charAt(i + 1)) : -1;
                final int lo = i + 2 < length ? GoStrings.hexValue(raw.charAt(i + 2)) : -1;
                if (hi < 0 || lo < 0) {
                    throw invalidEscape(raw, i);
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (c < 0x20 || c == 0x7f) {
                throw new GroupingKeyException(GroupingKeyException.Kind.MALFORMED_URI,
                        "net/url: invalid control character in URL");
            } else if (c <= 0xff) {
                out[n++] = (byte) c;
            } else {
                // slow path: not from an HTTP request line; encode as UTF-8.
                final int codePoint = Character.codePointAt(raw, i);
                i += Character.charCount(codePoint) - 1;
                // room for this code point (4 bytes at most) and one byte per char still to come: the chars after
                // it may all be bytes (found by GroupingKeyPathDecoderFuzzTest)
                final int needed = n + 4 + (length - i - 1);
                if (out.length < needed) {
                    out = Arrays.copyOf(out, Math.max(needed, out.length + length + 4));
                }
                // a lone surrogate is returned as itself; (char) codePoint would also take U+1D800.. for one
                final boolean loneSurrogate = codePoint >= Character.MIN_SURROGATE
                        && codePoint <= Character.MAX_SURROGATE;
                n = putUtf8(out, n, loneSurrogate ? 0xfffd : codePoint);
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    private static GroupingKeyException invalidEscape(CharSequence raw, int percent) {
        final String escape = raw.subSequence(percent, Math.min(percent + 3, raw.length())).toString();
        final byte[] bytes = escape.getBytes(StandardCharsets.UTF_8);
        return new GroupingKeyException(GroupingKeyException.Kind.MALFORMED_URI,
                "invalid URL escape " + GoStrings.quote(bytes, 0, bytes.length));
    }

    // ------------------------------------------------------------------ base64

    private static int maxDecodedLength(int encodedLength) {
        return encodedLength / 4 * 3 + 3;
    }

    /**
     * Go's {@code base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))} over {@code src[start, end)}:
     * '\r' and '\n' are skipped, any other byte outside the alphabet (including an inner '=') is an error at its
     * index, and so is a final quantum of one character. Non-strict: unused trailing bits are ignored.
     *
     * @return the decoded length, or a negative number packing the length decoded before the error and the
     *         error's index (see {@link #base64Error(int, int)})
     */
    private static long decodeBase64(byte[] src, int start, int end, byte[] dst) {
        while (end > start && src[end - 1] == '=') {
            end--;
        }
        int si = start;
        int n = 0;
        final int[] quantum = new int[4];
        while (si < end) {
            int length = 4;
            for (int j = 0; j < 4; j++) {
                if (si == end) {
                    if (j == 0) {
                        return n; // only '\r' and '\n' were left
                    }
                    if (j == 1) {
                        return base64Error(n, si - j - start);
                    }
                    length = j;
                    break;
                }
                final int in = src[si++] & 0xff;
                final int out = BASE64_URL_DECODE[in];
                if (out >= 0) {
                    quantum[j] = out;
                    continue;
                }
                if (in == '\n' || in == '\r') {
                    j--;
                    continue;
                }
                return base64Error(n, si - 1 - start);
            }
            final int value = quantum[0] << 18 | quantum[1] << 12 | quantum[2] << 6 | quantum[3];
            quantum[0] = quantum[1] = quantum[2] = quantum[3] = 0;
            dst[n++] = (byte) (value >> 16);
            if (length >= 3) {
                dst[n++] = (byte) (value >> 8);
            }
            if (length == 4) {
                dst[n++] = (byte) value;
            }
        }
        return n;
    }

    /** Sign bit: error; bits 32-62: the length decoded before the error; bits 0-31: the error's index. */
    private static long base64Error(int decodedLength, int errorIndex) {
        return Long.MIN_VALUE | (long) decodedLength << 32 | errorIndex;
    }

    private static int base64DecodedLength(long error) {
        return (int) (error >>> 32) & Integer.MAX_VALUE;
    }

    private static int base64ErrorIndex(long error) {
        return (int) error;
    }

    // ------------------------------------------------------------------ UTF-8

    private static boolean isValidRune(int codePoint) {
        return codePoint >= 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
    }

    private static int putUtf8(byte[] out, int n, int codePoint) {
        if (codePoint < 0x80) {
            out[n++] = (byte) codePoint;
        } else if (codePoint < 0x800) {
            out[n++] = (byte) (0xc0 | codePoint >> 6);
            out[n++] = (byte) (0x80 | codePoint & 0x3f);
        } else if (codePoint < 0x10000) {
            out[n++] = (byte) (0xe0 | codePoint >> 12);
            out[n++] = (byte) (0x80 | codePoint >> 6 & 0x3f);
            out[n++] = (byte) (0x80 | codePoint & 0x3f);
        } else {
            out[n++] = (byte) (0xf0 | codePoint >> 18);
            out[n++] = (byte) (0x80 | codePoint >> 12 & 0x3f);
            out[n++] = (byte) (0x80 | codePoint >> 6 & 0x3f);
            out[n++] = (byte) (0x80 | codePoint & 0x3f);
        }
        return n;
    }

    // ------------------------------------------------------------------ byte helpers

    private static int indexOf(byte[] b, byte value, int start, int end) {
        for (int i = start; i < end; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] b, int start, int end, byte[] prefix) {
        if (end - start < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[start + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean endsWith(byte[] b, int start, int end, byte[] suffix) {
        return end - start >= suffix.length && startsWith(b, end - suffix.length, end, suffix);
    }
}
