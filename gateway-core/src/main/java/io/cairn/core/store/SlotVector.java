package io.cairn.core.store;

/**
 * A persistent two-level array indexed by group slot: a top array of chunks of {@value #CHUNK} entries. Readers
 * see immutable instances; the store writer changes it in place only where the arrays were created under its
 * current edit token (the batch being built, not yet published), and copies an array otherwise, so one batch of
 * commands costs one copy of each touched chunk, never a copy of the whole vector.
 *
 * <pre>
 *   top:   [chunk 0][chunk 1] ... [chunk n-1][token]
 *   chunk: [slot 0 .. slot 255][token]
 * </pre>
 * The trailing {@code token} element of each array names the batch that created it.
 *
 * @param <T> the element type
 */
public final class SlotVector<T> {
    static final int SHIFT = 8;
    static final int CHUNK = 1 << SHIFT;
    private static final int MASK = CHUNK - 1;
    private static final Object[][] EMPTY_TOP = new Object[1][];

    private final Object[][] top;
    private final int size;

    private SlotVector(Object[][] top, int size) {
        this.top = top;
        this.size = size;
    }

    @SuppressWarnings("unchecked")
    public static <T> SlotVector<T> empty() {
        return (SlotVector<T>) new SlotVector<>(EMPTY_TOP, 0);
    }

    /** The number of non-null elements. */
    public int size() {
        return size;
    }

    /** The number of chunks; chunk {@code c} holds slots {@code c * 256 .. c * 256 + 255}. */
    public int chunkCount() {
        return top.length - 1;
    }

    /** The elements of chunk {@code c} (null where empty); the array's last element is not an element. */
    public Object[] chunk(int c) {
        return top[c];
    }

    public static int chunkSize() {
        return CHUNK;
    }

    @SuppressWarnings("unchecked")
    public T get(int slot) {
        final int c = slot >>> SHIFT;
        if (c >= top.length - 1) {
            return null;
        }
        final Object[] chunk = top[c];
        return chunk == null ? null : (T) chunk[slot & MASK];
    }

    /**
     * This vector with {@code value} at {@code slot} ({@code null} removes). Arrays created under {@code edit}
     * are changed in place; others are copied and tagged with {@code edit}.
     */
    public SlotVector<T> with(int slot, T value, Object edit) {
        final int c = slot >>> SHIFT;
        Object[][] newTop = top;
        if (c >= top.length - 1) {
            if (value == null) {
                return this;
            }
            newTop = new Object[Math.max(c + 1, (top.length - 1) * 2) + 1][];
            System.arraycopy(top, 0, newTop, 0, top.length - 1);
            newTop[newTop.length - 1] = new Object[] {edit};
        } else if (token(top) != edit) {
            newTop = top.clone();
            newTop[newTop.length - 1] = new Object[] {edit};
        }
        Object[] chunk = newTop[c];
        final Object old;
        if (chunk == null) {
            if (value == null) {
                return newTop == top ? this : new SlotVector<>(newTop, size);
            }
            chunk = new Object[CHUNK + 1];
            chunk[CHUNK] = edit;
            newTop[c] = chunk;
            old = null;
        } else {
            if (chunk[CHUNK] != edit) {
                chunk = chunk.clone();
                chunk[CHUNK] = edit;
                newTop[c] = chunk;
            }
            old = chunk[slot & MASK];
        }
        chunk[slot & MASK] = value;
        final int newSize = size + (old == null ? 1 : 0) - (value == null ? 1 : 0);
        return new SlotVector<>(newTop, newSize);
    }

    private static Object token(Object[][] top) {
        final Object[] holder = top[top.length - 1];
        return holder == null ? null : holder[0];
    }
}
