package io.cairn.bench;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.PushContent;
import io.cairn.core.model.PushedFamily;
import io.cairn.core.model.PushedMetric;
import io.cairn.core.proto.Metrics;
import io.cairn.core.text.ParseException;
import io.cairn.core.text.TextFormatParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The push bodies every benchmark draws from, by {@code @Param} name. All are deterministic, so figures from two
 * runs describe the same bytes.
 *
 * <ul>
 * <li>{@value #BODY}: the load harness body ({@code /work/shared/bench/body.prom}, bundled as a resource) with
 * {@code $V} replaced by {@value #BODY_VALUE}: 688 bytes, 10 series (a gauge, a counter with two label values, a
 * histogram with 5 buckets) and their HELP/TYPE lines. What a batch job pushes.</li>
 * <li>{@value #SERIES_10K}: 10 families of 1,000 series each, 4 labels per series, counters with integer values
 * and gauges with fractions: 1.1 MB. A large exporter-style push.</li>
 * <li>{@value #HISTOGRAMS}: 10 histogram families of 50 label sets each, 12 buckets plus {@code _sum} and {@code
 * _count}: 7,000 lines, 529 KB. Exercises the merging of bucket lines into one metric.</li>
 * <li>{@value #ESCAPES}: 2,000 series whose label values all contain {@code \\}, {@code \"} or {@code \n}, and
 * HELP texts with escapes (220 KB): the slow path of a parser that checks the whole body for backslashes once.</li>
 * </ul>
 */
public final class Corpora {
    public static final String BODY = "body";
    public static final String SERIES_10K = "series10k";
    public static final String HISTOGRAMS = "histograms";
    public static final String ESCAPES = "escapes";

    /** The value the load harness would put in place of {@code $V} on its first push to group 1. */
    static final String BODY_VALUE = "1000004";
    /** The HTTP layer hands the parser chunks of this size (Netty's default {@code maxChunkSize}). */
    public static final int CHUNK_BYTES = 8192;

    private Corpora() {
    }

    /** The UTF-8 bytes of corpus {@code name}. */
    public static byte[] bytes(String name) {
        switch (name) {
            case BODY:
                return body().getBytes(StandardCharsets.UTF_8);
            case SERIES_10K:
                return series10k().getBytes(StandardCharsets.UTF_8);
            case HISTOGRAMS:
                return histograms().getBytes(StandardCharsets.UTF_8);
            case ESCAPES:
                return escapes().getBytes(StandardCharsets.UTF_8);
            default:
                throw new IllegalArgumentException("unknown corpus " + name);
        }
    }

    /** The grouping key the load harness pushes group {@code i} to: {@code /metrics/job/bench/instance/i<i>}. */
    public static GroupingKey groupKey(int i) {
        return GroupingKey.of(GroupingKey.JOB, "bench", GroupingKey.INSTANCE, "i" + i);
    }

    /** Parses {@code body} into a new {@link PushContent}, in {@value #CHUNK_BYTES}-byte chunks. */
    public static PushContent parse(byte[] body) {
        final PushContent content = new PushContent();
        final TextFormatParser parser = new TextFormatParser();
        parser.reset(content);
        final ByteBuf buf = Unpooled.wrappedBuffer(body);
        try {
            for (int from = 0; from < body.length; from += CHUNK_BYTES) {
                buf.setIndex(from, Math.min(from + CHUNK_BYTES, body.length));
                parser.feed(buf);
            }
            parser.finish();
        } catch (ParseException e) {
            throw new IllegalStateException("corpus does not parse: " + e.getMessage(), e);
        }
        return content;
    }

    /**
     * Corpus {@code name} as a delimited protobuf push body: the same families, metrics, labels and values as its
     * text, one {@code MetricFamily} message per family, as client libraries push them.
     */
    public static byte[] protobuf(String name) {
        final PushContent content = parse(bytes(name));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (int f = 0; f < content.familyCount(); f++) {
                toMessage(content.family(f)).writeDelimitedTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static Metrics.MetricFamily toMessage(PushedFamily family) {
        final Metrics.MetricFamily.Builder builder = Metrics.MetricFamily.newBuilder().setName(family.name())
                .setType(Metrics.MetricType.forNumber(family.type().ordinal()));
        if (family.help() != null) {
            builder.setHelp(family.help());
        }
        for (int m = 0; m < family.metricCount(); m++) {
            final PushedMetric metric = family.metric(m);
            final Metrics.Metric.Builder mb = builder.addMetricBuilder();
            for (int l = 0; l < metric.labelCount(); l++) {
                mb.addLabelBuilder().setName(metric.labelName(l)).setValue(metric.labelValue(l));
            }
            switch (family.type()) {
                case COUNTER:
                    mb.getCounterBuilder().setValue(metric.value());
                    break;
                case GAUGE:
                    mb.getGaugeBuilder().setValue(metric.value());
                    break;
                case SUMMARY: {
                    final Metrics.Summary.Builder summary = mb.getSummaryBuilder()
                            .setSampleCount(metric.sampleCount()).setSampleSum(metric.sampleSum());
                    for (int q = 0; q < metric.quantileCount(); q++) {
                        summary.addQuantileBuilder().setQuantile(metric.quantile(q)).setValue(metric.quantileValue(q));
                    }
                    break;
                }
                case HISTOGRAM: {
                    final Metrics.Histogram.Builder histogram = mb.getHistogramBuilder()
                            .setSampleCount(metric.sampleCount()).setSampleSum(metric.sampleSum());
                    for (int b = 0; b < metric.bucketCount(); b++) {
                        histogram.addBucketBuilder().setUpperBound(metric.upperBound(b))
                                .setCumulativeCount(metric.cumulativeCount(b));
                    }
                    break;
                }
                default:
                    mb.getUntypedBuilder().setValue(metric.value());
                    break;
            }
        }
        return builder.build();
    }

    static String body() {
        try (InputStream in = Corpora.class.getResourceAsStream("body.prom")) {
            if (in == null) {
                throw new IllegalStateException("body.prom missing from the benchmark jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("$V", BODY_VALUE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE"};
    private static final String[] CODES = {"200", "201", "204", "400", "404", "500"};

    static String series10k() {
        final StringBuilder sb = new StringBuilder(1 << 20);
        for (int f = 0; f < 10; f++) {
            final boolean counter = f % 2 == 0;
            final String name = counter ? "app_http_requests_" + f + "_total" : "app_queue_" + f + "_fill_ratio";
            sb.append("# HELP ").append(name).append(counter ? " Requests served by handler." : " Queue fill.")
                    .append('\n');
            sb.append("# TYPE ").append(name).append(counter ? " counter" : " gauge").append('\n');
            for (int s = 0; s < 1000; s++) {
                sb.append(name).append("{method=\"").append(METHODS[s % METHODS.length])
                        .append("\",handler=\"/api/v1/resource_").append(s / 24)
                        .append("\",code=\"").append(CODES[s % CODES.length])
                        .append("\",pod=\"app-7d9f8c-").append(String.format(Locale.ROOT, "%05d", s)).append("\"} ");
                if (counter) {
                    sb.append(1_000_000L + 7919L * s * (f + 1));
                } else {
                    sb.append(String.format(Locale.ROOT, "%.6g", (s % 997) / 997.0 + 1e-4));
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static final String[] BUCKETS = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5",
        "5", "10", "+Inf"};

    static String histograms() {
        final StringBuilder sb = new StringBuilder(1 << 19);
        for (int f = 0; f < 10; f++) {
            final String name = "rpc_" + f + "_duration_seconds";
            sb.append("# HELP ").append(name).append(" RPC latency.\n");
            sb.append("# TYPE ").append(name).append(" histogram\n");
            for (int s = 0; s < 50; s++) {
                final String labels = "service=\"svc" + (s % 7) + "\",method=\"Method" + s + "\"";
                long cumulative = 0;
                for (int b = 0; b < BUCKETS.length; b++) {
                    cumulative += 3L * (b + 1) + s;
                    sb.append(name).append("_bucket{").append(labels).append(",le=\"").append(BUCKETS[b])
                            .append("\"} ").append(cumulative).append('\n');
                }
                sb.append(name).append("_sum{").append(labels).append("} ")
                        .append(String.format(Locale.ROOT, "%.4f", cumulative * 0.0371)).append('\n');
                sb.append(name).append("_count{").append(labels).append("} ").append(cumulative).append('\n');
            }
        }
        return sb.toString();
    }

    static String escapes() {
        final StringBuilder sb = new StringBuilder(1 << 18);
        for (int f = 0; f < 4; f++) {
            final String name = "job_step_" + f + "_errors_total";
            sb.append("# HELP ").append(name).append(" Errors by step \\\\ cause.\\nSee C:\\\\docs.\n");
            sb.append("# TYPE ").append(name).append(" counter\n");
            for (int s = 0; s < 500; s++) {
                sb.append(name).append("{path=\"C:\\\\jobs\\\\batch_").append(s)
                        .append("\",message=\"said \\\"no\\\" at step ").append(s % 13)
                        .append("\\nretrying\",step=\"").append(s).append("\"} ").append(17L * s + f).append('\n');
            }
        }
        return sb.toString();
    }
}
