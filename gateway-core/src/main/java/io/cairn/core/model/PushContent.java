package io.cairn.core.model;

import java.util.ArrayList;
import java.util.HashMap;

/**
 * The decoded body of one push: metric families by name, in the order they first appeared. A decoder (text
 * or protobuf) fills it; the push encoder reads it. Reused per connection: {@link #reset()} truncates it and
 * keeps the allocated families and metrics for the next push.
 */
public final class PushContent {
    private final ArrayList<PushedFamily> families = new ArrayList<>();
    private final HashMap<String, PushedFamily> byName = new HashMap<>();
    private int familyCount;

    public void reset() {
        for (int i = 0; i < familyCount; i++) {
            families.get(i).reset(null);
        }
        familyCount = 0;
        byName.clear();
    }

    /** The family of that name, or {@code null}. */
    public PushedFamily family(String name) {
        return byName.get(name);
    }

    /** Adds a new family; the caller has checked that none of that name exists. */
    public PushedFamily addFamily(String name) {
        if (familyCount == families.size()) {
            families.add(new PushedFamily());
        }
        final PushedFamily family = families.get(familyCount++);
        family.reset(name);
        byName.put(name, family);
        return family;
    }

    public int familyCount() {
        return familyCount;
    }

    public PushedFamily family(int index) {
        return families.get(index);
    }
}
