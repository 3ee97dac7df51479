package io.cairn.server.http;

import io.cairn.core.model.GoStrings;
import io.cairn.core.model.GroupingKey;
import io.cairn.core.proto.Metrics;
import io.cairn.core.render.EncodedFamily;
import io.cairn.core.render.GoFloatFormatter;
import io.cairn.core.store.GroupSnapshot;
import io.cairn.core.store.StoreSnapshot;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The bodies of the web UI's endpoints, which the Go Pushgateway lacks: a page of groups ({@code GET
 * <prefix>/api/cairn/v1/groups}) and one group with its series ({@code GET <prefix>/api/cairn/v1/groups/job/...}),
 * both read from one pinned {@link StoreSnapshot} so they never wait for the writer. The UI pages through a store of
 * any size: a page holds at most {@value #MAX_LIMIT} groups, a group lists at most {@value #MAX_LISTED_FAMILIES}
 * family names, and a family at most {@value #MAX_SERIES} series. Shapes are in {@code docs/compatibility.md};
 * strings are escaped as {@link ApiJson} escapes them and series are written in its shapes.
 *
 * <p>Groups are ordered by job, then by grouping key id. The order is computed once per published snapshot and
 * kept until the next one, so paging through an idle store sorts once.
 */
final class UiJson {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    static final int MAX_LISTED_FAMILIES = 50;
    static final int DEFAULT_SERIES = 1000;
    static final int MAX_SERIES = 10_000;
    private static final Base64.Encoder BASE64_URL = Base64.getUrlEncoder().withoutPadding();

    /** The groups of one snapshot version in listing order; read only while that very version is pinned. */
    private record Sorted(long version, GroupSnapshot[] groups) {
    }

    private volatile Sorted sorted = new Sorted(-1, new GroupSnapshot[0]);
    private final boolean utf8Names;
    private final boolean wipeEnabled;

    /**
     * @param utf8Names   {@code --push.enable-utf8-names}: how label names are written in a group's path
     * @param wipeEnabled {@code --web.enable-admin-api}: the page offers to delete every group
     */
    UiJson(boolean utf8Names, boolean wipeEnabled) {
        this.utf8Names = utf8Names;
        this.wipeEnabled = wipeEnabled;
    }

    /**
     * One page of the groups that match {@code filter}: whitespace-separated terms, each of which must occur,
     * ignoring case, in a grouping label written {@code name=value} or in a family name. The caller keeps {@code
     * snapshot} pinned during the call; the returned buffer is the caller's.
     */
    ByteBuf groups(StoreSnapshot snapshot, String filter, int offset, int limit, ByteBufAllocator alloc) {
        final GroupSnapshot[] groups = sorted(snapshot);
        final String[] terms = terms(filter);
        final ByteBuf out = alloc.buffer(4096);
        try {
            final ApiJson.Writer writer = new ApiJson.Writer(out);
            ByteBufUtil.writeAscii(out, "{\"status\":\"success\",\"data\":{\"groups\":[");
            int matched = 0;
            for (GroupSnapshot group : groups) {
                if (terms.length > 0 && !matches(group, terms)) {
                    continue;
                }
                if (matched >= offset && matched - offset < limit) {
                    if (matched > offset) {
                        out.writeByte(',');
                    }
                    groupSummary(out, writer, group);
                }
                matched++;
            }
            ByteBufUtil.writeAscii(out, "],\"matched\":");
            ByteBufUtil.writeAscii(out, Integer.toString(matched));
            ByteBufUtil.writeAscii(out, ",\"offset\":");
            ByteBufUtil.writeAscii(out, Integer.toString(offset));
            ByteBufUtil.writeAscii(out, ",\"limit\":");
            ByteBufUtil.writeAscii(out, Integer.toString(limit));
            ByteBufUtil.writeAscii(out, ",\"total\":");
            ByteBufUtil.writeAscii(out, Integer.toString(groups.length));
            ByteBufUtil.writeAscii(out, wipeEnabled ? ",\"wipe_enabled\":true}}" : ",\"wipe_enabled\":false}}");
            return out;
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
    }

    /**
     * The group of {@code key} with every family and at most {@code maxSeries} series of each, or {@code null}
     * when the snapshot has no such group. The caller keeps {@code snapshot} pinned; the buffer is the caller's.
     */
    ByteBuf group(StoreSnapshot snapshot, GroupingKey key, int maxSeries, ByteBufAllocator alloc) {
        final GroupSnapshot[] found = {null};
        snapshot.groups().forEach(g -> {
            if (g.key().equals(key)) {
                found[0] = g;
            }
        });
        final GroupSnapshot group = found[0];
        if (group == null) {
            return null;
        }
        final ByteBuf out = alloc.buffer(4096);
        try {
            final ApiJson.Writer writer = new ApiJson.Writer(out);
            ByteBufUtil.writeAscii(out, "{\"status\":\"success\",\"data\":");
            groupHead(out, writer, group);
            ByteBufUtil.writeAscii(out, ",\"families\":[");
            for (int f = 0; f < group.familyCount(); f++) {
                if (f > 0) {
                    out.writeByte(',');
                }
                family(out, writer, group.family(f), maxSeries);
            }
            ByteBufUtil.writeAscii(out, "]}}");
            return out;
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
    }

    private void groupSummary(ByteBuf out, ApiJson.Writer writer, GroupSnapshot group) {
        groupHead(out, writer, group);
        ByteBufUtil.writeAscii(out, ",\"series_count\":");
        ByteBufUtil.writeAscii(out, Integer.toString(group.seriesCount()));
        ByteBufUtil.writeAscii(out, ",\"family_count\":");
        ByteBufUtil.writeAscii(out, Integer.toString(group.familyCount()));
        ByteBufUtil.writeAscii(out, ",\"families\":[");
        final int listed = Math.min(group.familyCount(), MAX_LISTED_FAMILIES);
        for (int f = 0; f < listed; f++) {
            final EncodedFamily family = group.family(f);
            if (f > 0) {
                out.writeByte(',');
            }
            ByteBufUtil.writeAscii(out, "{\"name\":");
            ApiJson.writeString(out, family.name());
            ByteBufUtil.writeAscii(out, ",\"type\":\"");
            ByteBufUtil.writeAscii(out, family.type().apiName());
            ByteBufUtil.writeAscii(out, "\",\"series_count\":");
            ByteBufUtil.writeAscii(out, Integer.toString(family.seriesCount()));
            out.writeByte('}');
        }
        ByteBufUtil.writeAscii(out, "]}");
    }

    /** The fields a group has in both answers; leaves the object open. */
    private void groupHead(ByteBuf out, ApiJson.Writer writer, GroupSnapshot group) {
        ByteBufUtil.writeAscii(out, "{\"labels\":");
        writer.groupingLabels(group.key());
        ByteBufUtil.writeAscii(out, ",\"path\":");
        ApiJson.writeString(out, path(group.key()));
        ByteBufUtil.writeAscii(out, ",\"push_time_seconds\":");
        ByteBufUtil.writeAscii(out, GoFloatFormatter.format(group.pushTimeSeconds()));
        ByteBufUtil.writeAscii(out, ",\"push_failure_time_seconds\":");
        ByteBufUtil.writeAscii(out, GoFloatFormatter.format(group.failureTimeSeconds()));
        ByteBufUtil.writeAscii(out, ",\"last_push_successful\":");
        ByteBufUtil.writeAscii(out, group.lastPushSuccessful() ? "true" : "false");
    }

    private static void family(ByteBuf out, ApiJson.Writer writer, EncodedFamily family, int maxSeries) {
        ByteBufUtil.writeAscii(out, "{\"name\":");
        ApiJson.writeString(out, family.name());
        ByteBufUtil.writeAscii(out, ",\"type\":\"");
        ByteBufUtil.writeAscii(out, family.type().apiName());
        ByteBufUtil.writeAscii(out, "\",\"help\":");
        ApiJson.writeString(out, family.help() == null ? "" : family.help());
        ByteBufUtil.writeAscii(out, ",\"time_stamp\":\"");
        ByteBufUtil.writeAscii(out, ApiJson.rfc3339(family.pushTimeNs()));
        ByteBufUtil.writeAscii(out, "\",\"series_count\":");
        ByteBufUtil.writeAscii(out, Integer.toString(family.seriesCount()));
        ByteBufUtil.writeAscii(out, ",\"metrics\":[");
        final List<Metrics.Metric> metrics = ApiJson.storedMetrics(family);
        final int shown = Math.min(metrics.size(), maxSeries);
        for (int m = 0; m < shown; m++) {
            if (m > 0) {
                out.writeByte(',');
            }
            writer.metric(metrics.get(m), family.type());
        }
        ByteBufUtil.writeAscii(out, "],\"truncated\":");
        ByteBufUtil.writeAscii(out, shown < metrics.size() ? "true" : "false");
        out.writeByte('}');
    }

    /**
     * The grouping key as the push path writes it after {@code /metrics/}, every value in the {@code @base64}
     * form as the Pushgateway's UI writes it for its delete button (so empty values and slashes work): {@code
     * job@base64/<b64>/<name>@base64/<b64>}. With {@code --push.enable-utf8-names} a name that is not a legacy name
     * (or that would read as one escaped) is written {@code U__}-escaped, the form the push path decodes.
     */
    String path(GroupingKey key) {
        final StringBuilder sb = new StringBuilder(64);
        segment(sb, GroupingKey.JOB, key.job());
        for (int i = 0; i < key.size(); i++) {
            if (!key.name(i).equals(GroupingKey.JOB)) {
                sb.append('/');
                segment(sb, key.name(i), key.value(i));
            }
        }
        return sb.toString();
    }

    private void segment(StringBuilder sb, String name, String value) {
        if (utf8Names && (!GoStrings.isLegacyLabelName(name) || name.startsWith("U__"))) {
            escapeName(sb, name);
        } else {
            sb.append(name);
        }
        sb.append("@base64/");
        sb.append(value.isEmpty() ? "=" : BASE64_URL.encodeToString(value.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code model.EscapeName(name, model.ValueEncodingEscaping)}: {@code U__}, {@code _} doubled, others hex. */
    private static void escapeName(StringBuilder sb, String name) {
        sb.append("U__");
        name.codePoints().forEach(c -> {
            if (c == '_') {
                sb.append("__");
            } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
                sb.appendCodePoint(c);
            } else {
                sb.append('_').append(Integer.toHexString(c)).append('_');
            }
        });
    }

    private GroupSnapshot[] sorted(StoreSnapshot snapshot) {
        final Sorted cached = sorted;
        if (cached.version == snapshot.version()) {
            return cached.groups;
        }
        final int n = snapshot.groupCount();
        final GroupSnapshot[] groups = new GroupSnapshot[n];
        final String[] keys = new String[n];
        final int[] count = {0};
        snapshot.groups().forEach(g -> {
            if (count[0] < n) {
                groups[count[0]++] = g;
            }
        });
        final Integer[] order = new Integer[count[0]];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            // the job first, so a job's groups stay together; the id decides the rest and is unique
            keys[i] = groups[i].key().job() + '\u0000' + groups[i].key().id();
        }
        Arrays.sort(order, (a, b) -> GoStrings.compare(keys[a], keys[b]));
        final GroupSnapshot[] result = new GroupSnapshot[order.length];
        for (int i = 0; i < order.length; i++) {
            result[i] = groups[order[i]];
        }
        sorted = new Sorted(snapshot.version(), result);
        return result;
    }

    private static String[] terms(String filter) {
        final String trimmed = filter == null ? "" : filter.trim();
        return trimmed.isEmpty() ? new String[0] : trimmed.toLowerCase(Locale.ROOT).split("\\s+");
    }

    private static boolean matches(GroupSnapshot group, String[] terms) {
        final GroupingKey key = group.key();
        final StringBuilder haystack = new StringBuilder(128);
        for (int i = 0; i < key.size(); i++) {
            haystack.append(key.name(i)).append('=').append(key.value(i)).append('\n');
        }
        for (int f = 0; f < group.familyCount(); f++) {
            haystack.append(group.family(f).name()).append('\n');
        }
        final String text = haystack.toString().toLowerCase(Locale.ROOT);
        for (String term : terms) {
            if (!text.contains(term)) {
                return false;
            }
        }
        return true;
    }
}
