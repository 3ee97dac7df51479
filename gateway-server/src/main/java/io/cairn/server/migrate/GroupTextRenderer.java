package io.cairn.server.migrate;

import io.cairn.core.render.TextWriter;
import io.cairn.server.migrate.Group.Family;
import io.cairn.server.migrate.Group.Point;
import io.cairn.server.migrate.Group.Series;

import java.util.Map;

/**
 * Writes the families of a {@link Group} as a push body in text format 0.0.4, the way expfmt would write the
 * families the old gateway holds:
 * <ul>
 * <li>{@code # HELP} only when the HELP text is not empty (the JSON leaves an empty one out, and expfmt writes
 * none for it either), with {@code \} and newline escaped as {@code \\} and {@code \n};</li>
 * <li>{@code # TYPE} always, {@code untyped} included, so a family keeps its type even when its name ends in
 * {@code _sum}, {@code _count} or {@code _bucket};</li>
 * <li>every series with all its labels, grouping labels included (the path overrides them anyway), values
 * escaped as {@code \\}, {@code \"} and {@code \n};</li>
 * <li>summaries as {@code quantile} samples, then {@code _sum} and {@code _count}; histograms as {@code _bucket}
 * samples with {@code le}, then {@code _sum} and {@code _count};</li>
 * <li>numbers exactly as the JSON has them: Go formatted them with {@code strconv.FormatFloat(f, 'g', -1, 64)}
 * (counts as decimal integers), the shortest text that parses back to the same double, so the new gateway stores
 * the same bits.</li>
 * </ul>
 */
final class GroupTextRenderer {
    private GroupTextRenderer() {
    }

    /** The push body of the group's families; empty for a group without any. */
    static String render(Group group) {
        final StringBuilder sb = new StringBuilder(256);
        for (Family family : group.families()) {
            family(sb, family);
        }
        return sb.toString();
    }

    private static void family(StringBuilder sb, Family family) {
        final String name = family.name();
        if (!family.help().isEmpty()) {
            sb.append("# HELP ").append(name).append(' ');
            TextWriter.appendEscaped(sb, family.help(), false);
            sb.append('\n');
        }
        sb.append("# TYPE ").append(name).append(' ').append(family.type().textName()).append('\n');
        for (Series series : family.series()) {
            switch (family.type()) {
                case SUMMARY:
                    for (Point quantile : series.points()) {
                        sample(sb, name, series.labels(), "quantile", quantile.bound(), quantile.value());
                    }
                    sample(sb, name + "_sum", series.labels(), null, null, series.sum());
                    sample(sb, name + "_count", series.labels(), null, null, series.count());
                    break;
                case HISTOGRAM:
                    for (Point bucket : series.points()) {
                        sample(sb, name + "_bucket", series.labels(), "le", bucket.bound(), bucket.value());
                    }
                    sample(sb, name + "_sum", series.labels(), null, null, series.sum());
                    sample(sb, name + "_count", series.labels(), null, null, series.count());
                    break;
                default:
                    sample(sb, name, series.labels(), null, null, series.value());
            }
        }
    }

    private static void sample(StringBuilder sb, String name, Map<String, String> labels, String extraName,
                               String extraValue, String value) {
        sb.append(name);
        if (!labels.isEmpty() || extraName != null) {
            sb.append('{');
            appendLabels(sb, labels);
            if (extraName != null) {
                sb.append(labels.isEmpty() ? "" : ",").append(extraName).append("=\"").append(extraValue).append('"');
            }
            sb.append('}');
        }
        sb.append(' ').append(value).append('\n');
    }

    /** {@code {instance="i",job="j"}}, values escaped as in the text format; {@code {}} for no labels. */
    static String labelSet(Map<String, String> labels) {
        final StringBuilder sb = new StringBuilder("{");
        appendLabels(sb, labels);
        return sb.append('}').toString();
    }

    /** {@code instance="i",job="j"}: the labels without braces, values escaped. */
    private static void appendLabels(StringBuilder sb, Map<String, String> labels) {
        String separator = "";
        for (Map.Entry<String, String> label : labels.entrySet()) {
            sb.append(separator).append(label.getKey()).append("=\"");
            TextWriter.appendEscaped(sb, label.getValue(), true);
            sb.append('"');
            separator = ",";
        }
    }
}
