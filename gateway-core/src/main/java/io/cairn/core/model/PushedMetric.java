package io.cairn.core.model;

import io.cairn.core.proto.Metrics;

import java.util.Arrays;

/**
 * One metric (one series: a label set and its value or values) of a decoded push, the equivalent of a
 * {@code io.prometheus.client.Metric} message. Mutable and reused: a decoder fills it through the methods
 * below, {@link #reset()} truncates it.
 *
 * <p>Labels are kept in the order the pusher wrote them; {@code le} and {@code quantile} are not labels here
 * but bucket bounds and quantiles, as in the protobuf model. Counts are unsigned 64-bit integers, as in
 * {@code metrics.proto}.
 *
 * <p>A metric decoded from protobuf also keeps its {@link #source() message}: the fields above are what the text
 * exposition shows, the message is what protobuf scrapes send back (native histograms, exemplars, created
 * timestamps included), with the labels replaced by the sanitized ones.
 */
public final class PushedMetric {
    private static final int INITIAL_CAPACITY = 8;

    private String[] labelNames = new String[INITIAL_CAPACITY];
    private String[] labelValues = new String[INITIAL_CAPACITY];
    private int labelCount;

    private double value;
    private boolean hasTimestamp;
    private long timestampMs;

    private double[] quantiles = new double[0];
    private double[] quantileValues = new double[0];
    private int quantileCount;

    private double[] upperBounds = new double[0];
    private long[] cumulativeCounts = new long[0];
    private int bucketCount;

    private long sampleCount;
    private double sampleSum;
    private Metrics.Metric source;

    public void reset() {
        Arrays.fill(labelNames, 0, labelCount, null);
        Arrays.fill(labelValues, 0, labelCount, null);
        labelCount = 0;
        value = 0;
        hasTimestamp = false;
        timestampMs = 0;
        quantileCount = 0;
        bucketCount = 0;
        sampleCount = 0;
        sampleSum = 0;
        source = null;
    }

    public void addLabel(String name, String value) {
        if (labelCount == labelNames.length) {
            labelNames = Arrays.copyOf(labelNames, labelCount * 2);
            labelValues = Arrays.copyOf(labelValues, labelCount * 2);
        }
        labelNames[labelCount] = name;
        labelValues[labelCount] = value;
        labelCount++;
    }

    public int labelCount() {
        return labelCount;
    }

    public String labelName(int index) {
        return labelNames[index];
    }

    public String labelValue(int index) {
        return labelValues[index];
    }

    /** The value of a counter, gauge or untyped metric. */
    public double value() {
        return value;
    }

    public void value(double value) {
        this.value = value;
    }

    public boolean hasTimestamp() {
        return hasTimestamp;
    }

    public long timestampMs() {
        return timestampMs;
    }

    public void timestampMs(long timestampMs) {
        this.timestampMs = timestampMs;
        this.hasTimestamp = true;
    }

    public void addQuantile(double quantile, double value) {
        if (quantileCount == quantiles.length) {
            final int capacity = Math.max(INITIAL_CAPACITY, quantileCount * 2);
            quantiles = Arrays.copyOf(quantiles, capacity);
            quantileValues = Arrays.copyOf(quantileValues, capacity);
        }
        quantiles[quantileCount] = quantile;
        quantileValues[quantileCount] = value;
        quantileCount++;
    }

    public int quantileCount() {
        return quantileCount;
    }

    public double quantile(int index) {
        return quantiles[index];
    }

    public double quantileValue(int index) {
        return quantileValues[index];
    }

    /** Adds a histogram bucket; {@code cumulativeCount} is an unsigned 64-bit count. */
    public void addBucket(double upperBound, long cumulativeCount) {
        if (bucketCount == upperBounds.length) {
            final int capacity = Math.max(INITIAL_CAPACITY, bucketCount * 2);
            upperBounds = Arrays.copyOf(upperBounds, capacity);
            cumulativeCounts = Arrays.copyOf(cumulativeCounts, capacity);
        }
        upperBounds[bucketCount] = upperBound;
        cumulativeCounts[bucketCount] = cumulativeCount;
        bucketCount++;
    }

    public int bucketCount() {
        return bucketCount;
    }

    public double upperBound(int index) {
        return upperBounds[index];
    }

    public long cumulativeCount(int index) {
        return cumulativeCounts[index];
    }

    /** Sample count of a summary or histogram, an unsigned 64-bit integer. */
    public long sampleCount() {
        return sampleCount;
    }

    public void sampleCount(long sampleCount) {
        this.sampleCount = sampleCount;
    }

    public double sampleSum() {
        return sampleSum;
    }

    public void sampleSum(double sampleSum) {
        this.sampleSum = sampleSum;
    }

    /** The protobuf message this metric was decoded from, or {@code null} for a text push. */
    public Metrics.Metric source() {
        return source;
    }

    public void source(Metrics.Metric source) {
        this.source = source;
    }
}
