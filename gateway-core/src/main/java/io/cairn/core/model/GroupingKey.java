package io.cairn.core.model;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The grouping key of a group: its label pairs (always including {@code job}), sorted by label name. Immutable.
 *
 * <p>{@link #id()} is the canonical identity, {@code name 0xFF value 0xFF ...} over the sorted pairs, as the
 * Pushgateway builds it ({@code storage/interface.go: groupingKeyFor}); two keys are equal when their ids are,
 * that is when their sorted pairs are.
 */
public final class GroupingKey implements Comparable<GroupingKey> {
    public static final String JOB = "job";
    public static final String INSTANCE = "instance";

    private static final char SEPARATOR = '\u00ff';

    private final String[] names;
    private final String[] values;
    /** Keys are stored by the ten thousand: the hash is kept, the id is built when asked for. */
    private final int hash;

    private GroupingKey(String[] names, String[] values) {
        this.names = names;
        this.values = values;
        this.hash = 31 * Arrays.hashCode(names) + Arrays.hashCode(values);
    }

    /** A key of these labels; the map must contain a non-empty {@code job}. */
    public static GroupingKey of(Map<String, String> labels) {
        final TreeMap<String, String> sorted = new TreeMap<>(labels);
        final String job = sorted.get(JOB);
        if (job == null || job.isEmpty()) {
            throw new IllegalArgumentException("job name is required");
        }
        final String[] names = sorted.keySet().toArray(new String[0]);
        final String[] values = sorted.values().toArray(new String[0]);
        return new GroupingKey(names, values);
    }

    /** Shorthand for tests and tools: {@code of("job", "j", "instance", "i")}. */
    public static GroupingKey of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("odd number of names and values");
        }
        final TreeMap<String, String> labels = new TreeMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            labels.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return of(labels);
    }

    public int size() {
        return names.length;
    }

    /** The label name at {@code index}, in sorted order. */
    public String name(int index) {
        return names[index];
    }

    public String value(int index) {
        return values[index];
    }

    /** The value of label {@code name}, or {@code null}. */
    public String value(String name) {
        final int index = Arrays.binarySearch(names, name);
        return index < 0 ? null : values[index];
    }

    public String job() {
        return value(JOB);
    }

    public boolean hasInstance() {
        return Arrays.binarySearch(names, INSTANCE) >= 0;
    }

    /** The canonical identity of this key, built on each call. */
    public String id() {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            sb.append(names[i]).append(SEPARATOR).append(values[i]).append(SEPARATOR);
        }
        return sb.toString();
    }

    public Map<String, String> toMap() {
        final TreeMap<String, String> map = new TreeMap<>();
        for (int i = 0; i < names.length; i++) {
            map.put(names[i], values[i]);
        }
        return map;
    }

    @Override
    public int compareTo(GroupingKey other) {
        return id().compareTo(other.id());
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof GroupingKey)) {
            return false;
        }
        final GroupingKey other = (GroupingKey) o;
        return hash == other.hash && Arrays.equals(names, other.names) && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(names[i]).append("=\"").append(values[i]).append('"');
        }
        return sb.append('}').toString();
    }
}
