package io.cairn.server.migrate;

import io.cairn.core.model.GoStrings;
import io.cairn.core.model.MetricType;
import io.cairn.core.text.GoFloatParser;
import io.cairn.server.migrate.Group.Family;
import io.cairn.server.migrate.Group.Point;
import io.cairn.server.migrate.Group.Series;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads the groups out of a {@code GET /api/v1/metrics} answer of the Go Pushgateway (1.2.0 and later; shapes of
 * {@code api/v1/api.go}, recorded from 1.5.1, native histograms as 1.8.0 and 1.10.0 write them):
 * <pre>
 * {"status":"success","data":[
 *   {"labels":{"job":"j",..}, "last_push_successful":true,
 *    "&lt;family name&gt;":{"time_stamp":"..","type":"GAUGE","help":"..","metrics":[
 *        {"labels":{..},"value":"1.5"}                                   counter, gauge, untyped
 *        {"labels":{..},"quantiles":{"0.5":"2"},"count":"30","sum":"100"}  summary
 *        {"labels":{..},"buckets":{"+Inf":"5","0.1":"1"},"count":"5","sum":"17.5"}  histogram
 *        {"labels":{..},"buckets":[[1,"-2","-1","3"],..],"count":"5","sum":"17.5"}  native histogram (1.8+)
 *    ]}, ..}, ..]}
 * </pre>
 * Checked strictly: a key this shape does not have, a value of the wrong JSON type or a number that is not a Go
 * float makes the group fail with the JSON path of the problem ({@code data[3].c_total.metrics[0].value: expected
 * a string, found the number 3}); a problem outside any group fails the whole body. A group is migrated whole or
 * not at all: a PUT replaces the whole group, so pushing part of it would lose the rest silently.
 *
 * <p>Go quirk handled on purpose: a family named {@code labels} or {@code last_push_successful} replaces that key
 * of the group object ({@code api.go} puts families and those two keys in one map). A {@code labels} key that
 * holds a family is read as the family, and the grouping key is taken from the labels of the group's {@code
 * push_time_seconds} series, without the {@code instance=""} the gateway adds there.
 */
final class ApiMetricsParser {
    static final String PUSH_TIME = "push_time_seconds";
    static final String PUSH_FAILURE_TIME = "push_failure_time_seconds";
    private static final String LABELS = "labels";
    private static final String LAST_PUSH_SUCCESSFUL = "last_push_successful";

    private static final Set<String> FAMILY_KEYS = Set.of("time_stamp", "type", "help", "metrics");
    private static final Set<String> VALUE_KEYS = Set.of(LABELS, "value");
    private static final Set<String> SUMMARY_KEYS = Set.of(LABELS, "quantiles", "count", "sum");
    private static final Set<String> HISTOGRAM_KEYS = Set.of(LABELS, "buckets", "count", "sum");
    /** What {@code strconv.FormatFloat(f, 'g', -1, 64)} and {@code fmt.Sprint} of an integer can write. */
    private static final Pattern GO_NUMBER =
            Pattern.compile("[+-]?(?:Inf|NaN|(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?)");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Comparator<Point> BY_BOUND =
            Comparator.comparingDouble(p -> GoFloatParser.parseDouble(p.bound()));

    private ApiMetricsParser() {
    }

    /**
     * The groups of a whole answer, in the order of the body; a group that cannot be migrated comes with its
     * {@link Group#error()}.
     *
     * @throws JsonParser.JsonException when the body is not JSON
     * @throws ShapeException           when the body is JSON but not a successful {@code /api/v1/metrics} answer
     */
    static List<Group> parse(byte[] body) throws JsonParser.JsonException, ShapeException {
        return groups(JsonParser.parse(body));
    }

    static List<Group> groups(Object root) throws ShapeException {
        final Map<String, Object> top = object(root, "the body");
        final Object status = top.get("status");
        if (!"success".equals(status)) {
            final Object error = top.get("error");
            throw new ShapeException("the body has \"status\": " + describe(status) + ", not \"success\""
                    + (error instanceof String ? ": " + error : ""));
        }
        final List<Object> data = array(top.get("data"), "data");
        final List<Group> groups = new ArrayList<>(data.size());
        for (int i = 0; i < data.size(); i++) {
            groups.add(group(Group.where(i), data.get(i)));
        }
        return groups;
    }

    private static Group group(String where, Object value) {
        final List<String> notes = new ArrayList<>();
        SortedMap<String, String> key = null;
        try {
            final Map<String, Object> group = object(value, where);
            final Object labels = group.get(LABELS);
            final boolean labelsIsFamily = isFamily(labels);
            if (!labelsIsFamily) {
                key = stringMap(labels, where + ".labels");
                checkGroupingKey(key, where + ".labels");
            }
            final Object lastPushSuccessful = group.get(LAST_PUSH_SUCCESSFUL);
            final boolean lastPushIsFamily = isFamily(lastPushSuccessful);
            if (!lastPushIsFamily) {
                if (!(lastPushSuccessful instanceof Boolean)) {
                    throw expected(where + "." + LAST_PUSH_SUCCESSFUL, "true or false", lastPushSuccessful);
                }
                if (!(Boolean) lastPushSuccessful) {
                    notes.add("the last push to this group failed on the old gateway: its last successful content"
                            + " is copied, the failure time is not");
                }
            }
            final List<Family> families = new ArrayList<>();
            Family pushTime = null;
            for (Map.Entry<String, Object> entry : group.entrySet()) {
                final String name = entry.getKey();
                if ((name.equals(LABELS) && !labelsIsFamily)
                        || (name.equals(LAST_PUSH_SUCCESSFUL) && !lastPushIsFamily)) {
                    continue;
                }
                final Family family = family(name, entry.getValue(), where + path(name), notes);
                if (name.equals(PUSH_TIME) || name.equals(PUSH_FAILURE_TIME)) {
                    // not pushed: the new gateway sets both itself; push_time_seconds may name the grouping key
                    if (name.equals(PUSH_TIME)) {
                        pushTime = family;
                    }
                    continue;
                }
                if (family.series().isEmpty()) {
                    notes.add(name + ": a family without series is left out (text format 0.0.4 cannot carry it;"
                            + " the old gateway's scrapes do not show it either)");
                } else {
                    families.add(family);
                }
            }
            if (labelsIsFamily) {
                key = keyFromPushTime(pushTime, where);
                notes.add("\"labels\" holds a metric family named labels (a Pushgateway quirk): the grouping key"
                        + " is taken from push_time_seconds");
            }
            return new Group(where, key, List.copyOf(families), List.copyOf(notes), null);
        } catch (ShapeException e) {
            return Group.failed(where, key, List.copyOf(notes), e.getMessage());
        }
    }

    private static Family family(String name, Object value, String path, List<String> notes) throws ShapeException {
        final Map<String, Object> family = object(value, path);
        checkKeys(family, FAMILY_KEYS, path);
        if (family.containsKey("time_stamp")) {
            string(family.get("time_stamp"), path + ".time_stamp");
        }
        final String typeName = string(family.get("type"), path + ".type");
        final MetricType type = type(typeName, path + ".type");
        final String help = family.containsKey("help") ? string(family.get("help"), path + ".help") : "";
        final List<Object> metrics = array(family.get("metrics"), path + ".metrics");
        if (!GoStrings.isLegacyMetricName(name)) {
            throw new ShapeException(path + ": the metric name " + GoStrings.quote(name) + " cannot be written in"
                    + " text format 0.0.4 ([a-zA-Z_:][a-zA-Z0-9_:]*); UTF-8 names are not migrated");
        }
        final List<Series> series = new ArrayList<>(metrics.size());
        int nativeCount = 0;
        int withoutBuckets = 0;
        for (int i = 0; i < metrics.size(); i++) {
            final Series s = series(type, metrics.get(i), path + ".metrics[" + i + "]");
            series.add(s);
            if (s.nativeBuckets()) {
                nativeCount++;
            } else if (type == MetricType.HISTOGRAM && s.points().isEmpty() && !isZero(s.count())) {
                withoutBuckets++;
            }
        }
        if (nativeCount > 0) {
            notes.add(name + ": native histogram buckets cannot be migrated through the API (text format 0.0.4"
                    + " has no native buckets): " + plural(nativeCount, "series", "series") + " keep only _count"
                    + " and _sum, which scrapes show with a single le=\"+Inf\" bucket; classic buckets of the same"
                    + " series are not in the JSON either");
        }
        if (type == MetricType.HISTOGRAM && hasFractionalCount(series)) {
            notes.add(name + ": a float histogram has counts that are not integers; text format 0.0.4 carries"
                    + " histogram counts as integers, so the new gateway truncates them");
        }
        if (withoutBuckets > 0) {
            notes.add(name + ": " + plural(withoutBuckets, "histogram series has", "histogram series have")
                    + " no buckets in the JSON; if native (pushed with protobuf), Pushgateway before 1.8 does not"
                    + " show their buckets and they are lost: only _count and _sum are copied");
        }
        return new Family(name, type, help, List.copyOf(series));
    }

    private static Series series(MetricType type, Object value, String path) throws ShapeException {
        final Map<String, Object> metric = object(value, path);
        final SortedMap<String, String> labels = stringMap(metric.get(LABELS), path + ".labels");
        for (String name : labels.keySet()) {
            if (!GoStrings.isLegacyLabelName(name)) {
                throw new ShapeException(path + ".labels: the label name " + GoStrings.quote(name) + " cannot be"
                        + " written in text format 0.0.4 ([a-zA-Z_][a-zA-Z0-9_]*); UTF-8 names are not migrated");
            }
        }
        switch (type) {
            case SUMMARY: {
                checkKeys(metric, SUMMARY_KEYS, path);
                final List<Point> quantiles = points(object(metric.get("quantiles"), path + ".quantiles"),
                        path + ".quantiles");
                return new Series(labels, null, quantiles, number(metric.get("count"), path + ".count"),
                        number(metric.get("sum"), path + ".sum"), false);
            }
            case HISTOGRAM: {
                checkKeys(metric, HISTOGRAM_KEYS, path);
                final Object buckets = metric.get("buckets");
                final String count = number(metric.get("count"), path + ".count");
                final String sum = number(metric.get("sum"), path + ".sum");
                if (buckets instanceof List) {
                    checkNativeBuckets((List<?>) buckets, path + ".buckets");
                    return new Series(labels, null, List.of(), count, sum, true);
                }
                final Map<String, Object> classic = object(buckets, path + ".buckets",
                        "an object (classic buckets) or an array (native buckets)");
                return new Series(labels, null, points(classic, path + ".buckets"), count, sum, false);
            }
            default:
                checkKeys(metric, VALUE_KEYS, path);
                return new Series(labels, number(metric.get("value"), path + ".value"), List.of(), null, null,
                        false);
        }
    }

    /** Quantiles or buckets: Go-formatted bound to Go-formatted value, sorted by bound as expfmt orders them. */
    private static List<Point> points(Map<String, Object> map, String path) throws ShapeException {
        final List<Point> points = new ArrayList<>(map.size());
        for (Map.Entry<String, Object> entry : map.entrySet()) {
            final String at = path + path(entry.getKey());
            if (!isGoNumber(entry.getKey())) {
                throw new ShapeException(at + ": the key " + GoStrings.quote(entry.getKey())
                        + " is not a number as Go writes it");
            }
            points.add(new Point(entry.getKey(), number(entry.getValue(), at)));
        }
        // JSON object keys are sorted as strings ("0.5" < "1e-05"); the samples go in numeric order
        points.sort(BY_BOUND);
        return List.copyOf(points);
    }

    /** Upstream 1.8+ writes a native bucket as {@code [kind, lower, upper, count]}; checked, then dropped. */
    private static void checkNativeBuckets(List<?> buckets, String path) throws ShapeException {
        for (int i = 0; i < buckets.size(); i++) {
            final String at = path + "[" + i + "]";
            final List<Object> bucket = array(buckets.get(i), at);
            if (bucket.size() != 4 || !(bucket.get(0) instanceof BigDecimal)) {
                throw new ShapeException(at + ": expected a native bucket [kind, lower, upper, count], found "
                        + describe(bucket));
            }
            for (int j = 1; j < 4; j++) {
                number(bucket.get(j), at + "[" + j + "]");
            }
        }
    }

    private static SortedMap<String, String> keyFromPushTime(Family pushTime, String where) throws ShapeException {
        if (pushTime == null || pushTime.series().isEmpty()) {
            throw new ShapeException(where + ": \"labels\" holds a metric family named labels (a Pushgateway quirk)"
                    + " and there is no push_time_seconds series to take the grouping key from");
        }
        final SortedMap<String, String> key = new TreeMap<>(pushTime.series().get(0).labels());
        if ("".equals(key.get("instance"))) {
            key.remove("instance");
        }
        checkGroupingKey(key, where + "." + PUSH_TIME);
        return key;
    }

    private static void checkGroupingKey(Map<String, String> key, String path) throws ShapeException {
        final String job = key.get("job");
        if (job == null || job.isEmpty()) {
            throw new ShapeException(path + ": the grouping key has no job label (or an empty one)");
        }
        for (String name : key.keySet()) {
            if (!GoStrings.isLegacyLabelName(name) || name.startsWith("__")) {
                throw new ShapeException(path + ": the grouping label name " + GoStrings.quote(name)
                        + " cannot be written in a push path; UTF-8 names are not migrated");
            }
        }
    }

    private static MetricType type(String name, String path) throws ShapeException {
        for (MetricType type : MetricType.values()) {
            if (type.apiName().equals(name)) {
                return type;
            }
        }
        throw new ShapeException(path + ": the type " + GoStrings.quote(name) + " cannot be written in text format"
                + " 0.0.4 (expected COUNTER, GAUGE, SUMMARY, HISTOGRAM or UNTYPED)");
    }

    private static String number(Object value, String path) throws ShapeException {
        if (!(value instanceof String)) {
            throw expected(path, "a string holding a number", value);
        }
        final String s = (String) value;
        if (!isGoNumber(s)) {
            throw new ShapeException(path + ": " + GoStrings.quote(s) + " is not a number as Go writes it");
        }
        return s;
    }

    private static boolean isGoNumber(String s) {
        if (!GO_NUMBER.matcher(s).matches()) {
            return false;
        }
        try {
            GoFloatParser.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean hasFractionalCount(List<Series> series) {
        for (Series s : series) {
            if (isFractional(s.count())) {
                return true;
            }
            for (Point bucket : s.points()) {
                if (isFractional(bucket.value())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isFractional(String number) {
        final double value = GoFloatParser.parseDouble(number);
        return Double.isFinite(value) && value != Math.rint(value);
    }

    private static boolean isZero(String count) {
        return GoFloatParser.parseDouble(count) == 0;
    }

    private static boolean isFamily(Object value) {
        return value instanceof Map && ((Map<?, ?>) value).get("metrics") instanceof List;
    }

    private static void checkKeys(Map<String, Object> object, Set<String> allowed, String path)
            throws ShapeException {
        for (String key : object.keySet()) {
            if (!allowed.contains(key)) {
                throw new ShapeException(path + ": unexpected key " + GoStrings.quote(key) + " (expected "
                        + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
        for (String key : allowed) {
            if (!key.equals("help") && !key.equals("time_stamp") && !object.containsKey(key)) {
                throw new ShapeException(path + ": missing key " + GoStrings.quote(key));
            }
        }
    }

    private static SortedMap<String, String> stringMap(Object value, String path) throws ShapeException {
        final Map<String, Object> object = object(value, path);
        final SortedMap<String, String> map = new TreeMap<>();
        for (Map.Entry<String, Object> entry : object.entrySet()) {
            map.put(entry.getKey(), string(entry.getValue(), path + path(entry.getKey())));
        }
        return map;
    }

    private static Map<String, Object> object(Object value, String path) throws ShapeException {
        return object(value, path, "an object");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value, String path, String what) throws ShapeException {
        if (!(value instanceof Map)) {
            throw expected(path, what, value);
        }
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> array(Object value, String path) throws ShapeException {
        if (!(value instanceof List)) {
            throw expected(path, "an array", value);
        }
        return (List<Object>) value;
    }

    private static String string(Object value, String path) throws ShapeException {
        if (!(value instanceof String)) {
            throw expected(path, "a string", value);
        }
        return (String) value;
    }

    private static ShapeException expected(String path, String what, Object found) {
        return new ShapeException(path + ": expected " + what + ", found " + describe(found));
    }

    /** {@code .name} for an identifier, {@code ["na.me"]} otherwise. */
    private static String path(String key) {
        return IDENTIFIER.matcher(key).matches() ? "." + key : "[" + GoStrings.quote(key) + "]";
    }

    private static String plural(int n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    private static String describe(Object value) {
        if (value == null) {
            return "nothing (null or missing)";
        }
        if (value instanceof Map) {
            return "an object";
        }
        if (value instanceof List) {
            return "an array of " + ((List<?>) value).size();
        }
        if (value instanceof String) {
            final String s = (String) value;
            return "the string " + GoStrings.quote(s.length() > 80 ? s.substring(0, 80) + "..." : s);
        }
        if (value instanceof BigDecimal) {
            return "the number " + value;
        }
        return String.valueOf(value);
    }

    /** JSON that is not the shape {@code /api/v1/metrics} answers with; the message names the JSON path. */
    static final class ShapeException extends Exception {
        private static final long serialVersionUID = 1L;

        ShapeException(String message) {
            super(message, null, false, false);
        }
    }
}
