package io.cairn.core.store;

import io.cairn.core.journal.CorruptStateException;
import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.MetricType;
import io.cairn.core.render.EncodedFamily;
import io.cairn.core.render.MetricDescriber;
import io.cairn.core.render.PushEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import it.unimi.dsi.fastutil.ints.IntArrayFIFOQueue;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The store: a single writer that applies {@link StoreCommand}s and publishes immutable {@link StoreSnapshot}s
 * that any thread reads without a lock.
 *
 * <h2>Threads</h2>
 * Any thread {@linkplain #offer offers} commands to a bounded queue ({@value #DEFAULT_QUEUE_CAPACITY} by
 * default; a full queue answers {@code false} at once, never blocks). One writer thread runs this {@link Agent}:
 * it drains the queue in batches of at most {@value #MAX_BATCH}, checks each command against the family index
 * (cost proportional to what the command carries, never to the size of the store), applies it to its private
 * index, publishes one new snapshot per batch with a single volatile write, then completes the batch's commands,
 * so a push is visible to every later scrape once it is acknowledged.
 *
 * <h2>Memory</h2>
 * Pre-serialized chunks are pooled direct buffers owned by the store. A replaced chunk is retired onto the
 * snapshot that still shows it and released once that snapshot and all older ones are unpinned (see {@link
 * StoreSnapshot}).
 */
public final class GroupStore implements Agent {
    public static final int DEFAULT_QUEUE_CAPACITY = 16384;
    static final int MAX_BATCH = 256;
    public static final String PUSH_TIME_HELP = "Last Unix time when changing this group in the Pushgateway succeeded.";
    public static final String PUSH_FAILURE_TIME_HELP = "Last Unix time when changing this group in the Pushgateway failed.";

    private static final Comparator<FamilySnapshot> BY_NAME = Comparator.comparing(FamilySnapshot::name);

    private final ManyToOneConcurrentArrayQueue<StoreCommand> queue;
    private final ByteBufAllocator alloc;
    private final Map<String, MetricType> reservedFamilies;
    private final boolean checkConsistency;
    private long maxGroups;
    private long maxSeries;
    private boolean loading;

    // writer-private state
    private final HashMap<GroupingKey, GroupState> groupsByKey = new HashMap<>();
    private final HashMap<String, FamilyState> familiesByName = new HashMap<>();
    private final IntArrayFIFOQueue freeSlots = new IntArrayFIFOQueue();
    private int nextSlot;
    private SlotVector<GroupSnapshot> groups = SlotVector.empty();
    private final ArrayList<FamilyState> dirtyFamilies = new ArrayList<>();
    private boolean familySetChanged;
    private long seriesCount;
    private long storedBytes;
    private Object edit = new Object();
    private ArrayList<Object> retiring = new ArrayList<>();
    private final ArrayDeque<StoreSnapshot> superseded = new ArrayDeque<>();
    private final ArrayList<StoreCommand> applied = new ArrayList<>(MAX_BATCH);
    private final ArrayList<String> results = new ArrayList<>(MAX_BATCH);

    private volatile StoreSnapshot current;
    /** Makes the commands durable; {@code null} for a store kept in memory only. */
    private StoreJournal journal;
    private final Consumer<StoreCommand> applyCommand = this::apply;
    private final Consumer<StoreCommand> journalAndApply = command -> {
        journal.record(command); // framed before it is applied: applying may release a rejected push's buffers
        apply(command);
    };
    private AgentRunner runner;
    private volatile Thread writerThread;
    private volatile boolean writerParked;
    private volatile long appliedCommands;
    private volatile boolean journaled;
    private final LatencyHistogram commandLatency = new LatencyHistogram();
    private final LatencyHistogram batchApplyTime = new LatencyHistogram();
    private final LatencyHistogram journalWriteTime = new LatencyHistogram();

    /** Per group, writer-private. */
    private static final class GroupState {
        final GroupingKey key;
        final int slot;
        GroupSnapshot snapshot;
        double pushTimeSeconds;
        double failureTimeSeconds;

        GroupState(GroupingKey key, int slot) {
            this.key = key;
            this.slot = slot;
        }
    }

    /** Per metric family, writer-private: the family index. */
    private static final class FamilyState {
        final String name;
        MetricType type;
        int groupCount;
        int seriesCount;
        long textBytes;
        long protoBytes;
        final Long2IntOpenHashMap owners = new Long2IntOpenHashMap();
        final Object2IntOpenHashMap<String> helps = new Object2IntOpenHashMap<>();
        SlotVector<EncodedFamily> chunks = SlotVector.empty();
        FamilySnapshot published;
        boolean dirty;

        FamilyState(String name) {
            this.name = name;
            owners.defaultReturnValue(-1);
        }
    }

    /** No help is a key of its own in {@link FamilyState#helps}. */
    private static final String NO_HELP = new String("<no help>");

    /**
     * @param alloc            allocator for headers and timestamp chunks (pooled direct in production)
     * @param reservedFamilies the gateway's own family names and types; pushes that clash with them are rejected
     * @param checkConsistency {@code false} only for benchmarks of the raw apply path
     */
    public GroupStore(ByteBufAllocator alloc, Map<String, MetricType> reservedFamilies, boolean checkConsistency,
                      int queueCapacity) {
        this.alloc = alloc;
        this.reservedFamilies = Map.copyOf(reservedFamilies);
        this.checkConsistency = checkConsistency;
        this.queue = new ManyToOneConcurrentArrayQueue<>(queueCapacity);
        this.current = new StoreSnapshot(new FamilySnapshot[0], groups, 0, 0, 0);
    }

    public GroupStore(ByteBufAllocator alloc, Map<String, MetricType> reservedFamilies) {
        this(alloc, reservedFamilies, true, DEFAULT_QUEUE_CAPACITY);
    }

    // ------------------------------------------------------------------ any thread

    /** Queues a command; {@code false} when the queue is full (the caller answers 503 and owns the command). */
    public boolean offer(StoreCommand command) {
        command.offeredNs = System.nanoTime(); // published to the writer by the queue's ordered store
        if (!queue.offer(command)) {
            return false;
        }
        if (writerParked) {
            final Thread writer = writerThread;
            if (writer != null) {
                LockSupport.unpark(writer);
            }
        }
        return true;
    }

    /**
     * Bounds the store: a push that would create a group beyond {@code maxGroups}, or hold more than {@code
     * maxSeries} series in all, is refused with {@link StoreCommand#STORE_FULL}; 0 turns a bound off. Call before
     * {@link #start()}.
     */
    public void limits(long maxGroups, long maxSeries) {
        this.maxGroups = maxGroups;
        this.maxSeries = maxSeries;
    }

    /** The allocator of the buffers the store keeps: push encoders allocate stored families from it. */
    public ByteBufAllocator allocator() {
        return alloc;
    }

    /** Commands waiting for the writer. */
    public int queueDepth() {
        return queue.size();
    }

    public int queueCapacity() {
        return queue.capacity();
    }

    /** Total commands applied since start. */
    public long appliedCommands() {
        return appliedCommands;
    }

    /**
     * Per command: from {@link #offer} to its completion, after its batch was journaled and published. Written by
     * the writer, readable from any thread.
     */
    public LatencyHistogram commandLatency() {
        return commandLatency;
    }

    /** Per batch: from the start of the drain to the completion of its last command, journal write included. */
    public LatencyHistogram batchApplyTime() {
        return batchApplyTime;
    }

    /** Per batch, once the store is {@link #journaled()}: the journal write, with its fsync when there is one. */
    public LatencyHistogram journalWriteTime() {
        return journalWriteTime;
    }

    /** Whether the store journals its commands ({@link #load} was called). */
    public boolean journaled() {
        return journaled;
    }

    /**
     * Pins and returns the current snapshot. The caller must {@link StoreSnapshot#close() close} it, after
     * retaining whatever buffers it still needs; until then none of the snapshot's buffers is released.
     */
    public StoreSnapshot acquire() {
        for (;;) {
            final StoreSnapshot snapshot = current;
            if (snapshot.tryPin()) {
                return snapshot;
            }
        }
    }

    /** Starts the writer thread; {@link #close()} stops it and releases every buffer of the store. */
    public void start() {
        final AgentRunner runner = new AgentRunner(new WriterIdleStrategy(this), Throwable::printStackTrace, null, this);
        this.runner = runner;
        AgentRunner.startOnThread(runner);
    }

    /** Stops the writer (after it has applied what was queued) and releases every buffer. */
    public void close() {
        final AgentRunner runner = this.runner;
        if (runner != null) {
            runner.close();
        }
    }

    // ------------------------------------------------------------------ writer thread

    @Override
    public String roleName() {
        return "cairn-store-writer";
    }

    @Override
    public void onStart() {
        writerThread = Thread.currentThread();
    }

    /** Parks the writer until a command arrives or {@code maxNs} passed; called by the idle strategy. */
    void park(long maxNs) {
        writerParked = true;
        if (queue.isEmpty()) {
            LockSupport.parkNanos(this, maxNs);
        }
        writerParked = false;
    }

    @Override
    public int doWork() {
        final StoreJournal journal = this.journal;
        final long startNs = System.nanoTime();
        final int drained = queue.drain(journal == null ? applyCommand : journalAndApply, MAX_BATCH);
        if (drained > 0) {
            // journaled (written as the sync policy asks) before any of the batch is published or acknowledged
            String notJournaled = null;
            if (journal != null) {
                final long journalStartNs = System.nanoTime();
                notJournaled = journal.commit(journalStartNs);
                journalWriteTime.record(System.nanoTime() - journalStartNs);
            }
            publish();
            for (int i = 0; i < applied.size(); i++) {
                final String result = results.get(i);
                applied.get(i).completion.complete(notJournaled != null && result == null ? notJournaled : result);
            }
            final long doneNs = System.nanoTime();
            for (int i = 0; i < applied.size(); i++) {
                commandLatency.record(doneNs - applied.get(i).offeredNs);
            }
            batchApplyTime.record(doneNs - startNs);
            applied.clear();
            results.clear();
            appliedCommands += drained;
        }
        if (journal != null) {
            journal.maybeSnapshot(this, System.nanoTime());
        }
        return drained + reclaim();
    }

    // ------------------------------------------------------------------ start from disk

    /**
     * Makes this store durable with {@code journal}: restores what it recorded, then journals every command.
     * Call once, before {@link #start()}, on the starting thread; commands offered meanwhile wait in the queue.
     */
    public void load(StoreJournal journal) throws IOException, CorruptStateException {
        loading = true; // what was acknowledged comes back whatever the limits are now
        try {
            journal.load(this, alloc);
        } finally {
            loading = false;
        }
        this.journal = journal;
        this.journaled = true;
    }

    /** Applies a restored group or a replayed command while loading. */
    void replay(StoreCommand command) {
        apply(command);
        applied.clear();
        results.clear();
        if (retiring.size() >= MAX_BATCH) {
            publish(); // let what replaced commands released go, a batch at a time
            reclaim();
        }
    }

    /** Publishes what loading restored. */
    void finishLoading() {
        publish();
        reclaim();
    }

    /** Applies every queued command and reclaims what can be; for tests and shutdown, on the writer thread. */
    public void drainAll() {
        while (doWork() > 0) {
            // keep going
        }
    }

    @Override
    public void onClose() {
        drainAll(); // apply what was queued before stopping: nothing accepted is dropped
        if (journal != null) {
            journal.close();
        }
        for (GroupState group : groupsByKey.values()) {
            for (EncodedFamily chunk : group.snapshot.families()) {
                retiring.add(chunk);
            }
        }
        for (FamilyState family : familiesByName.values()) {
            if (family.published != null) {
                retiring.add(family.published.header());
                retiring.add(family.published);
            }
        }
        groupsByKey.clear();
        familiesByName.clear();
        final StoreSnapshot last = current;
        last.retired(retiring);
        retiring = new ArrayList<>();
        superseded.add(last);
        current = new StoreSnapshot(new FamilySnapshot[0], SlotVector.empty(), 0, 0, last.version() + 1);
        // wait (bounded) for readers still holding snapshots
        for (int i = 0; i < 5000 && reclaimAll() > 0; i++) {
            LockSupport.parkNanos(1_000_000);
        }
    }

    private int reclaimAll() {
        reclaim();
        return superseded.size();
    }

    /** Whether superseded snapshots still wait for readers (the writer then parks briefly, not long). */
    boolean reclaimPending() {
        return !superseded.isEmpty();
    }

    private void apply(StoreCommand command) {
        final String result;
        if (command instanceof StoreCommand.Push) {
            result = applyPush((StoreCommand.Push) command);
        } else if (command instanceof StoreCommand.Restore) {
            applyRestore((StoreCommand.Restore) command);
            result = null;
        } else if (command instanceof StoreCommand.Delete) {
            final GroupState group = groupsByKey.get(((StoreCommand.Delete) command).key);
            if (group != null) {
                removeGroup(group);
            }
            result = null;
        } else {
            for (GroupState group : new ArrayList<>(groupsByKey.values())) {
                removeGroup(group);
            }
            result = null;
        }
        applied.add(command);
        results.add(result);
    }

    private String applyPush(StoreCommand.Push push) {
        GroupState group = groupsByKey.get(push.key);
        final String full = roomFor(group, push);
        if (full != null) {
            push.discard();
            return full; // refused whole, like a push that never arrived: no group, no failure time
        }
        String error = push.rejection;
        if (error == null && checkConsistency) {
            error = check(group, push);
        }
        if (group == null) {
            final String collision = timestampCollision(push.key, push.timeNs);
            if (collision != null) {
                push.discard();
                return collision;
            }
        }
        if (error != null) {
            push.discard();
            if (group == null) {
                group = createGroup(push.key, push.timeNs, 0);
            }
            group.failureTimeSeconds = seconds(push.timeNs);
            final HashMap<String, EncodedFamily> families = familiesOf(group, false);
            putChunk(group, families, timestampChunk(PushEncoder.PUSH_FAILURE_TIME_FAMILY, PUSH_FAILURE_TIME_HELP,
                    group.key, group.failureTimeSeconds, push.timeNs));
            commitGroup(group, families);
            return error;
        }
        final boolean created = group == null;
        if (created) {
            group = createGroup(push.key, push.timeNs, push.timeNs); // with this push's time already
        }
        final HashMap<String, EncodedFamily> families = familiesOf(group, push.replace);
        if (push.replace) {
            for (EncodedFamily old : group.snapshot.families()) {
                if (!families.containsKey(old.name())) {
                    removeChunk(group, old);
                }
            }
        }
        for (EncodedFamily family : push.families) {
            family.pushTimeNs(push.timeNs);
            putChunk(group, families, family);
        }
        if (!created) {
            group.pushTimeSeconds = seconds(push.timeNs);
            putChunk(group, families, timestampChunk(PushEncoder.PUSH_TIME_FAMILY, PUSH_TIME_HELP, group.key,
                    group.pushTimeSeconds, push.timeNs));
        }
        commitGroup(group, families);
        return null;
    }

    /** Why the store has no room for {@code push}, or {@code null}; the series it replaces are counted out. */
    private String roomFor(GroupState group, StoreCommand.Push push) {
        if (loading) {
            return null;
        }
        if (group == null && maxGroups > 0 && groupsByKey.size() >= maxGroups) {
            return StoreCommand.STORE_FULL + "it holds the maximum of " + maxGroups
                    + " groups (--store.max-groups); delete groups or raise the limit";
        }
        if (maxSeries <= 0) {
            return null;
        }
        long added = group == null ? 2 : 0; // a new group's two timestamp series
        for (EncodedFamily family : push.families) {
            added += family.seriesCount();
            final EncodedFamily old = group == null ? null : group.snapshot.family(family.name());
            if (old != null) {
                added -= old.seriesCount();
            }
        }
        if (group != null && push.replace) {
            for (EncodedFamily old : group.snapshot.families()) {
                if (!isTimestampFamily(old.name()) && !pushes(push, old.name())) {
                    added -= old.seriesCount();
                }
            }
        }
        if (seriesCount + added > maxSeries) {
            return StoreCommand.STORE_FULL + "it holds " + seriesCount + " series and this push would bring it"
                    + " beyond the maximum of " + maxSeries + " (--store.max-series); delete groups or raise the limit";
        }
        return null;
    }

    private static boolean pushes(StoreCommand.Push push, String name) {
        for (EncodedFamily family : push.families) {
            if (family.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Installs a group as a snapshot recorded it (its two timestamp families included). */
    private void applyRestore(StoreCommand.Restore restore) {
        final GroupState existing = groupsByKey.get(restore.key);
        if (existing != null) {
            removeGroup(existing); // a snapshot holds each group once; a damaged one is refused before this
        }
        final int slot = freeSlots.isEmpty() ? nextSlot++ : freeSlots.dequeueInt();
        final GroupState group = new GroupState(restore.key, slot);
        group.pushTimeSeconds = restore.pushTimeSeconds;
        group.failureTimeSeconds = restore.failureTimeSeconds;
        group.snapshot = new GroupSnapshot(restore.key, slot, new EncodedFamily[0], 0, 0);
        groupsByKey.put(restore.key, group);
        final HashMap<String, EncodedFamily> families = new HashMap<>();
        for (EncodedFamily family : restore.families) {
            putChunk(group, families, family);
        }
        commitGroup(group, families);
    }

    private GroupState createGroup(GroupingKey key, long timeNs, long pushTimeNs) {
        final int slot = freeSlots.isEmpty() ? nextSlot++ : freeSlots.dequeueInt();
        final GroupState group = new GroupState(key, slot);
        group.pushTimeSeconds = seconds(pushTimeNs);
        group.snapshot = new GroupSnapshot(key, slot, new EncodedFamily[0], 0, 0);
        groupsByKey.put(key, group);
        final HashMap<String, EncodedFamily> families = new HashMap<>();
        putChunk(group, families, timestampChunk(PushEncoder.PUSH_TIME_FAMILY, PUSH_TIME_HELP, key,
                group.pushTimeSeconds, timeNs));
        putChunk(group, families, timestampChunk(PushEncoder.PUSH_FAILURE_TIME_FAMILY, PUSH_FAILURE_TIME_HELP, key,
                0, timeNs));
        commitGroup(group, families);
        return group;
    }

    private EncodedFamily timestampChunk(String name, String help, GroupingKey key, double value, long timeNs) {
        final EncodedFamily family = PushEncoder.encodeTimestamp(name, help, key, value, alloc);
        family.pushTimeNs(timeNs);
        return family;
    }

    /** The group's families by name; with {@code onlyTimestamps}, only the two push timestamp families. */
    private static HashMap<String, EncodedFamily> familiesOf(GroupState group, boolean onlyTimestamps) {
        final HashMap<String, EncodedFamily> families = new HashMap<>();
        for (EncodedFamily chunk : group.snapshot.families()) {
            if (!onlyTimestamps || isTimestampFamily(chunk.name())) {
                families.put(chunk.name(), chunk);
            }
        }
        return families;
    }

    private static boolean isTimestampFamily(String name) {
        return PushEncoder.PUSH_TIME_FAMILY.equals(name) || PushEncoder.PUSH_FAILURE_TIME_FAMILY.equals(name);
    }

    private void putChunk(GroupState group, HashMap<String, EncodedFamily> families, EncodedFamily chunk) {
        final EncodedFamily old = families.put(chunk.name(), chunk);
        if (old != null) {
            removeChunk(group, old);
        }
        FamilyState family = familiesByName.get(chunk.name());
        if (family == null) {
            family = new FamilyState(chunk.name());
            familiesByName.put(chunk.name(), family);
            familySetChanged = true;
        }
        final EncodedFamily encoded = chunk;
        family.type = encoded.type();
        family.groupCount++;
        family.seriesCount += encoded.seriesCount();
        family.textBytes += encoded.textLength();
        family.protoBytes += encoded.protoLength();
        seriesCount += encoded.seriesCount();
        storedBytes += encoded.bytes().capacity();
        for (int i = 0; i < encoded.seriesCount(); i++) {
            family.owners.put(encoded.seriesHash(i), group.slot);
        }
        family.helps.addTo(encoded.help() == null ? NO_HELP : encoded.help(), 1);
        family.chunks = family.chunks.with(group.slot, chunk, edit);
        markDirty(family);
    }

    /** Takes a chunk out of the family index and retires its buffer. */
    private void removeChunk(GroupState group, EncodedFamily chunk) {
        final FamilyState family = familiesByName.get(chunk.name());
        final EncodedFamily encoded = chunk;
        family.groupCount--;
        family.seriesCount -= encoded.seriesCount();
        family.textBytes -= encoded.textLength();
        family.protoBytes -= encoded.protoLength();
        seriesCount -= encoded.seriesCount();
        storedBytes -= encoded.bytes().capacity();
        for (int i = 0; i < encoded.seriesCount(); i++) {
            final long hash = encoded.seriesHash(i);
            if (family.owners.get(hash) == group.slot) {
                family.owners.remove(hash);
            }
        }
        final String help = encoded.help() == null ? NO_HELP : encoded.help();
        if (family.helps.addTo(help, -1) == 1) {
            family.helps.removeInt(help);
        }
        if (family.chunks.get(group.slot) == chunk) {
            family.chunks = family.chunks.with(group.slot, null, edit);
        }
        retiring.add(encoded);
        if (family.groupCount == 0) {
            familiesByName.remove(family.name);
            familySetChanged = true;
            if (family.published != null) {
                retiring.add(family.published.header());
                retiring.add(family.published);
                family.published = null;
            }
        } else {
            markDirty(family);
        }
    }

    private void markDirty(FamilyState family) {
        if (!family.dirty) {
            family.dirty = true;
            dirtyFamilies.add(family);
        }
    }

    private void commitGroup(GroupState group, HashMap<String, EncodedFamily> families) {
        final EncodedFamily[] sorted = families.values().toArray(new EncodedFamily[0]);
        Arrays.sort(sorted, Comparator.comparing(EncodedFamily::name));
        group.snapshot = new GroupSnapshot(group.key, group.slot, sorted, group.pushTimeSeconds,
                group.failureTimeSeconds);
        groups = groups.with(group.slot, group.snapshot, edit);
    }

    private void removeGroup(GroupState group) {
        for (EncodedFamily chunk : group.snapshot.families()) {
            removeChunk(group, chunk);
        }
        groupsByKey.remove(group.key);
        groups = groups.with(group.slot, null, edit);
        freeSlots.enqueue(group.slot);
    }

    // ------------------------------------------------------------------ consistency

    /** The consistency error of a push, or {@code null}; cost proportional to the pushed series. */
    private String check(GroupState group, StoreCommand.Push push) {
        for (EncodedFamily pushed : push.families) {
            final String name = pushed.name();
            final FamilyState existing = familiesByName.get(name);
            final boolean groupHas = group != null && group.snapshot.family(name) != null;
            final MetricType reserved = reservedFamilies.get(name);
            if (reserved != null && reserved != pushed.type()) {
                return "gathered metric family " + name + " has type " + pushed.type().apiName()
                        + " but should have " + reserved.apiName();
            }
            if (existing != null && existing.groupCount - (groupHas ? 1 : 0) > 0 && existing.type != pushed.type()) {
                return MetricDescriber.notOfType(name, describe(pushed, 0), existing.type);
            }
            if (existing != null) {
                for (int i = 0; i < pushed.seriesCount(); i++) {
                    final int owner = existing.owners.get(pushed.seriesHash(i));
                    if (owner >= 0 && (group == null || owner != group.slot)) {
                        return MetricDescriber.duplicate(name, describe(pushed, i));
                    }
                }
            }
            final String collision = suffixCollision(group, push, pushed);
            if (collision != null) {
                return collision;
            }
        }
        return null;
    }

    /** client_golang's {@code checkSuffixCollisions}, in both directions, against the store after the push. */
    private String suffixCollision(GroupState group, StoreCommand.Push push, EncodedFamily pushed) {
        final String name = pushed.name();
        final String base = stripSuffix(name);
        if (base != null) {
            final MetricType baseType = typeAfter(group, push, base);
            if (baseType == MetricType.SUMMARY && !name.endsWith("_bucket")) {
                return "collected metric named \"" + name + "\" collides with previously collected summary named \""
                        + base + "\"";
            }
            if (baseType == MetricType.HISTOGRAM) {
                return "collected metric named \"" + name + "\" collides with previously collected histogram named \""
                        + base + "\"";
            }
        }
        if (pushed.type().isComposite()) {
            for (String suffix : new String[] {"_count", "_sum"}) {
                if (typeAfter(group, push, name + suffix) != null) {
                    return "collected histogram or summary named \"" + name
                            + "\" collides with previously collected metric named \"" + name + suffix + "\"";
                }
            }
            if (pushed.type() == MetricType.HISTOGRAM && typeAfter(group, push, name + "_bucket") != null) {
                return "collected histogram named \"" + name + "\" collides with previously collected metric named \""
                        + name + "_bucket\"";
            }
        }
        return null;
    }

    private static String stripSuffix(String name) {
        if (name.endsWith("_count")) {
            return name.substring(0, name.length() - 6);
        }
        if (name.endsWith("_sum")) {
            return name.substring(0, name.length() - 4);
        }
        if (name.endsWith("_bucket")) {
            return name.substring(0, name.length() - 7);
        }
        return null;
    }

    /** The type family {@code name} would have once the push is applied, or {@code null} if it would not exist. */
    private MetricType typeAfter(GroupState group, StoreCommand.Push push, String name) {
        for (EncodedFamily family : push.families) {
            if (family.name().equals(name)) {
                return family.type();
            }
        }
        final MetricType reserved = reservedFamilies.get(name);
        if (reserved != null) {
            return reserved;
        }
        final FamilyState existing = familiesByName.get(name);
        if (existing == null) {
            return null;
        }
        final boolean groupLoses = push.replace && group != null && group.snapshot.family(name) != null;
        return existing.groupCount - (groupLoses ? 1 : 0) > 0 ? existing.type : null;
    }

    /** A new group whose push timestamps would repeat another group's series ({job="j"} and {job="j",instance=""}). */
    private String timestampCollision(GroupingKey key, long timeNs) {
        final FamilyState pushTimes = familiesByName.get(PushEncoder.PUSH_TIME_FAMILY);
        if (pushTimes == null) {
            return null;
        }
        final EncodedFamily probe = PushEncoder.encodeTimestamp(PushEncoder.PUSH_TIME_FAMILY, PUSH_TIME_HELP, key, 0,
                alloc);
        try {
            if (pushTimes.owners.get(probe.seriesHash(0)) >= 0) {
                return MetricDescriber.duplicate(PushEncoder.PUSH_TIME_FAMILY, describe(probe, 0));
            }
            return null;
        } finally {
            probe.release();
        }
    }

    private static String describe(EncodedFamily family, int series) {
        final ByteBuf text = family.text();
        final int start = text.readerIndex() + family.seriesOffset(series);
        int end = text.indexOf(start, text.writerIndex(), (byte) '\n');
        if (end < 0) {
            end = text.writerIndex();
        }
        return MetricDescriber.describeLine(family.type(), text.toString(start, end - start, StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ publication and reclamation

    private void publish() {
        final StoreSnapshot previous = current;
        if (dirtyFamilies.isEmpty() && !familySetChanged && groups == previous.groups()) {
            return;
        }
        for (FamilyState family : dirtyFamilies) {
            family.dirty = false;
            if (family.groupCount == 0) {
                continue;
            }
            final String help = chooseHelp(family);
            final FamilySnapshot old = family.published;
            if (old != null) {
                retiring.add(old); // its scrape caches describe the old content
            }
            final FamilyHeader header;
            if (old != null && old.type() == family.type && java.util.Objects.equals(old.help(), help)) {
                header = old.header();
            } else {
                header = FamilyHeader.render(family.name, help, family.type, alloc);
                if (old != null) {
                    retiring.add(old.header());
                }
            }
            family.published = new FamilySnapshot(family.name, family.type, help, header, family.chunks,
                    family.seriesCount, family.textBytes, family.protoBytes);
        }
        dirtyFamilies.clear();
        final FamilySnapshot[] families;
        if (familySetChanged) {
            families = new FamilySnapshot[familiesByName.size()];
            int i = 0;
            for (FamilyState family : familiesByName.values()) {
                families[i++] = family.published;
            }
            Arrays.sort(families, BY_NAME);
            familySetChanged = false;
        } else {
            families = new FamilySnapshot[previous.familyCount()];
            for (int i = 0; i < families.length; i++) {
                families[i] = familiesByName.get(previous.family(i).name()).published;
            }
        }
        final StoreSnapshot next = new StoreSnapshot(families, groups, seriesCount, storedBytes, previous.version() + 1);
        previous.retired(retiring);
        retiring = new ArrayList<>();
        superseded.add(previous);
        current = next;
        edit = new Object(); // what was built under the old token is now visible to readers: copy from here on
    }

    /** Deterministic HELP when groups disagree: the lexicographically smallest text; none only if no group has one. */
    private static String chooseHelp(FamilyState family) {
        String best = null;
        for (String help : family.helps.keySet()) {
            if (help != NO_HELP && (best == null || help.compareTo(best) < 0)) {
                best = help;
            }
        }
        return best;
    }

    /** Releases the buffers of superseded snapshots that no reader can see any more; returns how many snapshots. */
    private int reclaim() {
        int n = 0;
        StoreSnapshot oldest;
        while ((oldest = superseded.peek()) != null && oldest.tryClose()) {
            superseded.poll();
            @SuppressWarnings("unchecked")
            final List<Object> retired = (List<Object>) oldest.retired();
            if (retired != null) {
                for (Object buffer : retired) {
                    if (buffer instanceof EncodedFamily) {
                        ((EncodedFamily) buffer).release();
                    } else if (buffer instanceof FamilySnapshot) {
                        ((FamilySnapshot) buffer).releaseCaches();
                    } else {
                        ((FamilyHeader) buffer).release();
                    }
                }
            }
            n++;
        }
        return n;
    }

    private static double seconds(long timeNs) {
        // as Go's float64(t.UnixNano()) / 1e9
        return timeNs / 1e9;
    }
}
