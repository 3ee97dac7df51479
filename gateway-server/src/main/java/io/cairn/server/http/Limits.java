package io.cairn.server.http;

import java.util.concurrent.TimeUnit;

/**
 * What the gateway accepts at most, from the command line; 0 turns a count limit off. Every rejection names the
 * limit and its flag, and is counted in {@code pushgateway_limit_rejections_total{limit="<flag>"}}.
 *
 * @param maxBodyBytes          push body after decompression ({@code --push.max-body-bytes}), answered 413
 * @param maxSeriesPerPush      series in one push ({@code --push.max-series}), 413
 * @param maxLabels             labels of one pushed series, grouping labels included ({@code --push.max-labels}), 413
 * @param maxMetricNameBytes    {@code --push.max-metric-name-length}, 413
 * @param maxLabelNameBytes     {@code --push.max-label-name-length}, 413
 * @param maxLabelValueBytes    {@code --push.max-label-value-length}, 413
 * @param maxGroups             groups in the store ({@code --store.max-groups}), 429
 * @param maxSeries             series in the store ({@code --store.max-series}), 429
 * @param maxHeaderBytes        request line and header block ({@code --web.max-header-bytes}), 414 / 431
 * @param readTimeoutNs         first byte of a request to its answer ({@code --web.read-timeout}), disconnect
 * @param idleTimeoutNs         idle kept-alive connection ({@code --web.idle-timeout}), disconnect
 * @param maxConnections        open connections ({@code --web.max-connections}), closed at accept
 */
public record Limits(long maxBodyBytes, long maxSeriesPerPush, long maxLabels, long maxMetricNameBytes,
                     long maxLabelNameBytes, long maxLabelValueBytes, long maxGroups, long maxSeries,
                     long maxHeaderBytes, long readTimeoutNs, long idleTimeoutNs, long maxConnections) {

    /** The defaults of the flags. */
    public static Limits defaults() {
        return new Limits(64L << 20, 1_000_000, 128, 1024, 1024, 65_536, 1_000_000, 10_000_000, 1 << 20,
                TimeUnit.MINUTES.toNanos(1), TimeUnit.MINUTES.toNanos(5), 10_000);
    }

    /** {@code true} when {@code value} is beyond {@code limit} (and the limit is on). */
    static boolean exceeds(long value, long limit) {
        return limit > 0 && value > limit;
    }
}
