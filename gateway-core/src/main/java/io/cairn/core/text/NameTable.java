package io.cairn.core.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Per-parser cache of metric and label names, so that repeated pushes hand the same {@code String} instances to
 * the model (and the store's symbol table sees identity hits). Names in the text format are ASCII by grammar, so a
 * name's bytes are its chars and the hash computed over the bytes is {@link String#hashCode()}.
 *
 * <p>Open addressing with linear probing; lookups do not allocate. The table holds at most {@value #MAX_NAMES}
 * names: when a new name would exceed that, the table is cleared, so a stream of distinct names cannot grow it
 * without bound.
 */
final class NameTable {
    static final int MAX_NAMES = 16_384;
    private static final int INITIAL_CAPACITY = 256;

    private String[] slots = new String[INITIAL_CAPACITY];
    private int size;

    /** The interned name of {@code length} ASCII bytes from {@code offset}. */
    String intern(byte[] bytes, int offset, int length) {
        int hash = 0;
        for (int i = offset, end = offset + length; i < end; i++) {
            hash = 31 * hash + bytes[i];
        }
        final String[] table = slots;
        final int mask = table.length - 1;
        int slot = mix(hash) & mask;
        String candidate;
        while ((candidate = table[slot]) != null) {
            if (candidate.hashCode() == hash && sameChars(candidate, bytes, offset, length)) {
                return candidate;
            }
            slot = (slot + 1) & mask;
        }
        return add(new String(bytes, offset, length, StandardCharsets.US_ASCII));
    }

    int size() {
        return size;
    }

    private String add(String name) {
        if (size == MAX_NAMES) {
            Arrays.fill(slots, null);
            size = 0;
        } else if ((size + 1) * 2 > slots.length) {
            rehash(slots.length * 2);
        }
        insert(slots, name);
        size++;
        return name;
    }

    private void rehash(int capacity) {
        final String[] table = new String[capacity];
        for (String name : slots) {
            if (name != null) {
                insert(table, name);
            }
        }
        slots = table;
    }

    private static void insert(String[] table, String name) {
        final int mask = table.length - 1;
        int slot = mix(name.hashCode()) & mask;
        while (table[slot] != null) {
            slot = (slot + 1) & mask;
        }
        table[slot] = name;
    }

    private static boolean sameChars(String candidate, byte[] bytes, int offset, int length) {
        if (candidate.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (candidate.charAt(i) != bytes[offset + i]) {
                return false;
            }
        }
        return true;
    }

    private static int mix(int hash) {
        final int h = hash * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
