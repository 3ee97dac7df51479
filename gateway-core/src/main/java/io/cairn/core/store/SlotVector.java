package io.cairn.core.store;

/**
 * A persistent array indexed by group slot: a trie of fixed depth {@value #LEVELS} with nodes of {@value #WIDTH}
 * entries, so an update copies at most {@value #LEVELS} small nodes whatever the number of slots (up to
 * {@value #MAX_SLOTS}). Readers see immutable instances; the store writer changes nodes in place only where they
 * were created under its current edit token (the batch being built, not yet published), and copies a node
 * otherwise, so one batch of commands copies each touched node once.
 *
 * <pre>
 *   node:  [entry 0 .. entry 63][token]      entries of the top levels are nodes, of the last level elements
 *   slot = i0 i1 i2 i3  (6 bits each, i0 indexes the root)
 * </pre>
 * The trailing {@code token} of each node names the batch that created it.
 *
 * @param <T> the element type
 */
public final class SlotVector<T> {
    static final int SHIFT = 6;
    static final int WIDTH = 1 << SHIFT;
    static final int LEVELS = 4;
    public static final int MAX_SLOTS = 1 << (SHIFT * LEVELS);
    private static final int MASK = WIDTH - 1;
    private static final Object[] EMPTY_ROOT = new Object[WIDTH + 1];

    private final Object[] root;
    private final int size;

    private SlotVector(Object[] root, int size) {
        this.root = root;
        this.size = size;
    }

    @SuppressWarnings("unchecked")
    public static <T> SlotVector<T> empty() {
        return (SlotVector<T>) new SlotVector<>(EMPTY_ROOT, 0);
    }

    /** The number of non-null elements. */
    public int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    public T get(int slot) {
        Object[] node = root;
        for (int level = LEVELS - 1; level > 0; level--) {
            node = (Object[]) node[(slot >>> (SHIFT * level)) & MASK];
            if (node == null) {
                return null;
            }
        }
        return (T) node[slot & MASK];
    }

    /** Calls {@code visitor} with every non-null element in slot order. */
    @SuppressWarnings("unchecked")
    public void forEach(java.util.function.Consumer<? super T> visitor) {
        if (size > 0) {
            visit(root, LEVELS - 1, (java.util.function.Consumer<Object>) visitor);
        }
    }

    private static void visit(Object[] node, int level, java.util.function.Consumer<Object> visitor) {
        for (int i = 0; i < WIDTH; i++) {
            final Object entry = node[i];
            if (entry != null) {
                if (level == 0) {
                    visitor.accept(entry);
                } else {
                    visit((Object[]) entry, level - 1, visitor);
                }
            }
        }
    }

    /**
     * This vector with {@code value} at {@code slot} ({@code null} removes). Nodes created under {@code edit}
     * are changed in place; others are copied and tagged with {@code edit}.
     */
    public SlotVector<T> with(int slot, T value, Object edit) {
        if (slot < 0 || slot >= MAX_SLOTS) {
            throw new IllegalArgumentException("slot out of range: " + slot);
        }
        final Object[] newRoot = editable(root, edit);
        Object[] node = newRoot;
        for (int level = LEVELS - 1; level > 0; level--) {
            final int index = (slot >>> (SHIFT * level)) & MASK;
            Object[] child = (Object[]) node[index];
            if (child == null) {
                if (value == null) {
                    return newRoot == root ? this : new SlotVector<>(newRoot, size);
                }
                child = new Object[WIDTH + 1];
                child[WIDTH] = edit;
            } else {
                child = editable(child, edit);
            }
            node[index] = child;
            node = child;
        }
        final Object old = node[slot & MASK];
        node[slot & MASK] = value;
        return new SlotVector<>(newRoot, size + (old == null ? 1 : 0) - (value == null ? 1 : 0));
    }

    private static Object[] editable(Object[] node, Object edit) {
        if (node[WIDTH] == edit) {
            return node;
        }
        final Object[] copy = node.clone();
        copy[WIDTH] = edit;
        return copy;
    }
}
