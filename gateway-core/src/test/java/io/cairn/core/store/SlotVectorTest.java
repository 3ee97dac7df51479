package io.cairn.core.store;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SlotVectorTest {
    @Test
    void shouldLeavePublishedVersionsUnchangedWhenEditedUnderANewToken() {
        final Object batch1 = new Object();
        SlotVector<String> v1 = SlotVector.empty();
        v1 = v1.with(3, "a", batch1).with(70_000, "b", batch1).with(3, "c", batch1);
        final Object batch2 = new Object();
        final SlotVector<String> v2 = v1.with(3, "d", batch2).with(5, "e", batch2).with(70_000, null, batch2);
        assertEquals("c", v1.get(3));
        assertEquals("b", v1.get(70_000));
        assertNull(v1.get(5));
        assertEquals(2, v1.size());
        assertEquals("d", v2.get(3));
        assertEquals("e", v2.get(5));
        assertNull(v2.get(70_000));
        assertEquals(2, v2.size());
    }

    @Test
    void shouldVisitElementsInSlotOrder() {
        final Object edit = new Object();
        SlotVector<Integer> v = SlotVector.empty();
        for (int slot : new int[] {4095, 0, 64, 262_143, 63, 1_000_000}) {
            v = v.with(slot, slot, edit);
        }
        final List<Integer> seen = new ArrayList<>();
        v.forEach(seen::add);
        assertEquals(List.of(0, 63, 64, 4095, 262_143, 1_000_000), seen);
        assertEquals(6, v.size());
    }

    @Test
    void shouldCountRemovalsOfAbsentSlotsAsNoChange() {
        final Object edit = new Object();
        SlotVector<String> v = SlotVector.<String>empty().with(1, "x", edit);
        v = v.with(2_000_000, null, edit).with(2, null, edit);
        assertEquals(1, v.size());
        assertThrows(IllegalArgumentException.class, () -> SlotVector.empty().with(SlotVector.MAX_SLOTS, "x", edit));
    }
}
