package io.cairn.core.store;

import io.cairn.core.model.GroupingKey;
import io.cairn.core.model.MetricType;
import io.cairn.core.testing.LeakRecorder;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupStoreTest {
    private static final GroupingKey J = GroupingKey.of("job", "j");
    private static final GroupingKey J1 = GroupingKey.of("job", "j1");
    private static final GroupingKey J2 = GroupingKey.of("job", "j2");

    @AfterAll
    static void noLeaks() {
        LeakRecorder.assertNoLeaks();
    }

    @Test
    void shouldExposePushedFamilyWithGroupingLabelsAndTimestamps() {
        try (StoreFixture f = new StoreFixture()) {
            assertNull(f.put(J, "# HELP a A gauge.\n# TYPE a gauge\na 1\n"));
            final String scrape = f.scrape();
            assertEquals("# HELP a A gauge.\n# TYPE a gauge\na{instance=\"\",job=\"j\"} 1\n"
                    + "# HELP push_failure_time_seconds Last Unix time when changing this group in the Pushgateway failed.\n"
                    + "# TYPE push_failure_time_seconds gauge\npush_failure_time_seconds{instance=\"\",job=\"j\"} 0\n"
                    + "# HELP push_time_seconds Last Unix time when changing this group in the Pushgateway succeeded.\n"
                    + "# TYPE push_time_seconds gauge\npush_time_seconds{instance=\"\",job=\"j\"} 1.700000001e+09\n",
                    scrape);
        }
    }

    @Test
    void shouldReplaceWholeGroupOnPutAndOnlyPushedFamiliesOnPost() {
        try (StoreFixture f = new StoreFixture()) {
            f.put(J, "a 1\nb 2\n");
            f.post(J, "b 20\nc 3\n");
            assertEquals("# TYPE a untyped\na{instance=\"\",job=\"j\"} 1\n# TYPE b untyped\nb{instance=\"\",job=\"j\"} 20\n"
                    + "# TYPE c untyped\nc{instance=\"\",job=\"j\"} 3\n", f.scrapeWithoutTimestamps());
            f.put(J, "c 4\n");
            assertEquals("# TYPE c untyped\nc{instance=\"\",job=\"j\"} 4\n", f.scrapeWithoutTimestamps());
        }
    }

    @Test
    void shouldMergeOneFamilyFromManyGroupsUnderOneHeader() {
        try (StoreFixture f = new StoreFixture()) {
            f.put(J1, "# TYPE a gauge\na 1\n");
            f.put(J2, "# TYPE a gauge\na 2\n");
            assertEquals("# TYPE a gauge\na{instance=\"\",job=\"j1\"} 1\na{instance=\"\",job=\"j2\"} 2\n",
                    f.scrapeWithoutTimestamps());
            f.delete(J1);
            assertEquals("# TYPE a gauge\na{instance=\"\",job=\"j2\"} 2\n", f.scrapeWithoutTimestamps());
        }
    }

    @Test
    void shouldRejectTypeClashAcrossGroupsAndStillCreateTheFailedGroup() {
        try (StoreFixture f = new StoreFixture()) {
            assertNull(f.put(J1, "# TYPE a counter\na 1\n"));
            final String error = f.put(J2, "# TYPE a gauge\na 1\n");
            assertEquals("collected metric \"a\" { label:<name:\"instance\" value:\"\" > label:<name:\"job\" value:\"j2\" > "
                    + "gauge:<value:1 > } is not a COUNTER", error);
            final String scrape = f.scrape();
            assertTrue(scrape.contains("push_time_seconds{instance=\"\",job=\"j2\"} 0\n"), scrape);
            assertTrue(scrape.contains("push_failure_time_seconds{instance=\"\",job=\"j2\"} 1.700000002e+09\n"), scrape);
            assertFalse(scrape.contains("job=\"j2\"} 1\n"), scrape);
        }
    }

    @Test
    void shouldAllowTypeChangeWhenTheGroupIsTheOnlyOwner() {
        try (StoreFixture f = new StoreFixture()) {
            assertNull(f.put(J, "# TYPE a counter\na 1\n"));
            assertNull(f.put(J, "# TYPE a gauge\na 1\n"));
            assertNull(f.post(J, "# TYPE a summary\na_sum 1\na_count 1\n"));
        }
    }

    @Test
    void shouldRejectTheSameSeriesFromTwoGroups() {
        try (StoreFixture f = new StoreFixture()) {
            assertNull(f.put(GroupingKey.of("job", "j", "x", "1"), "a 1\n"));
            final String error = f.put(J, "a{x=\"1\"} 2\n");
            assertNotNull(error);
            assertTrue(error.endsWith("was collected before with the same name and label values"), error);
        }
    }

    @Test
    void shouldRejectSeriesTwiceInOnePushButCreateTheGroup() {
        try (StoreFixture f = new StoreFixture()) {
            // the exact text of the Go Pushgateway 1.5.1
            assertEquals("collected metric \"a\" { label:<name:\"instance\" value:\"\" > label:<name:\"job\" value:\"j\" > "
                    + "untyped:<value:2 > } was collected before with the same name and label values", f.put(J, "a 1\na 2\n"));
            assertEquals("", f.scrapeWithoutTimestamps());
            assertTrue(f.scrape().contains("push_time_seconds{instance=\"\",job=\"j\"} 0\n"));
        }
    }

    @Test
    void shouldRejectTimestampsFirst() {
        try (StoreFixture f = new StoreFixture()) {
            assertEquals("pushed metrics must not have timestamps", f.put(J, "a 1 1000\na 2\n"));
        }
    }

    @Test
    void shouldNotCreateAGroupWhoseTimestampsRepeatAnotherGroupsSeries() {
        try (StoreFixture f = new StoreFixture()) {
            assertNull(f.put(J, "a 1\n"));
            final GroupingKey emptyInstance = GroupingKey.of("job", "j", "instance", "");
            final String error = f.put(emptyInstance, "a 1\n");
            assertTrue(error.startsWith("collected metric \"push_time_seconds\""), error);
            try (StoreSnapshot snapshot = f.store.acquire()) {
                assertEquals(1, snapshot.groupCount());
            }
            // the other way round as well
            f.delete(J);
            assertNull(f.put(emptyInstance, "a 1\n"));
            assertNotNull(f.put(J, "b 1\n"));
        }
    }

    @Test
    void shouldRejectSuffixCollisionsBothWays() {
        try (StoreFixture f = new StoreFixture()) {
            assertNull(f.put(J1, "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"));
            assertEquals("collected metric named \"h_count\" collides with previously collected histogram named \"h\"",
                    f.put(J2, "h_count 1\n"));
            assertEquals("collected metric named \"h_bucket\" collides with previously collected histogram named \"h\"",
                    f.put(J2, "h_bucket 1\n"));
            assertNull(f.put(J2, "# TYPE s_count gauge\ns_count 1\n"));
            assertEquals("collected histogram or summary named \"s\" collides with previously collected metric named"
                    + " \"s_count\"", f.put(J1, "# TYPE s summary\ns_sum 1\ns_count 1\n"));
            // a PUT that drops the colliding family from its own group is fine
            assertNull(f.put(J2, "# TYPE s summary\ns_sum 1\ns_count 1\n"));
        }
    }

    @Test
    void shouldRejectClashWithTheGatewaysOwnFamilies() {
        try (StoreFixture f = new StoreFixture(Map.of("process_open_fds", MetricType.GAUGE))) {
            assertEquals("gathered metric family process_open_fds has type COUNTER but should have GAUGE",
                    f.put(J, "# TYPE process_open_fds counter\nprocess_open_fds 1\n"));
            assertNull(f.put(J, "# TYPE process_open_fds gauge\nprocess_open_fds 1\n"));
        }
    }

    @Test
    void shouldPickTheSmallestHelpWhenGroupsDisagree() {
        try (StoreFixture f = new StoreFixture()) {
            f.put(J1, "# HELP a Second help.\na 1\n");
            f.put(J2, "# HELP a First help.\na 2\n");
            assertTrue(f.scrape().startsWith("# HELP a First help.\n# TYPE a untyped\n"));
            f.delete(J2);
            assertTrue(f.scrape().startsWith("# HELP a Second help.\n# TYPE a untyped\n"));
        }
    }

    @Test
    void shouldWipeEverything() {
        try (StoreFixture f = new StoreFixture()) {
            f.put(J1, "a 1\n");
            f.put(J2, "b 1\n");
            f.wipe();
            assertEquals("", f.scrape());
            try (StoreSnapshot snapshot = f.store.acquire()) {
                assertEquals(0, snapshot.groupCount());
                assertEquals(0, snapshot.seriesCount());
            }
        }
    }

    @Test
    void shouldKeepBuffersOfAPinnedSnapshotUntilItIsClosed() {
        try (StoreFixture f = new StoreFixture()) {
            f.put(J, "a 1\n");
            final StoreSnapshot pinned = f.store.acquire();
            final ByteBuf old = pinned.family(0).chunks().get(0).text();
            f.put(J, "a 2\n");
            assertEquals(1, old.refCnt(), "replaced but still visible to a pinned reader");
            assertTrue(old.toString(java.nio.charset.StandardCharsets.UTF_8).endsWith(" 1\n"));
            pinned.close();
            f.store.drainAll();
            assertEquals(0, old.refCnt(), "released once no reader can see it");
        }
    }

    @Test
    void shouldReuseSlotsOfDeletedGroups() {
        try (StoreFixture f = new StoreFixture()) {
            for (int i = 0; i < 600; i++) {
                f.put(GroupingKey.of("job", "j", "instance", "i" + i), "a " + i + "\n");
            }
            for (int i = 0; i < 600; i += 2) {
                f.delete(GroupingKey.of("job", "j", "instance", "i" + i));
            }
            for (int i = 0; i < 600; i += 2) {
                f.put(GroupingKey.of("job", "k", "instance", "i" + i), "a " + i + "\n");
            }
            try (StoreSnapshot snapshot = f.store.acquire()) {
                assertEquals(600, snapshot.groupCount());
                assertEquals(600 * 3, snapshot.seriesCount());
            }
            assertEquals(600, f.scrapeWithoutTimestamps().split("\n").length - 1);
        }
    }

    @Test
    void shouldTimeEachAppliedCommandAndEachBatch() {
        try (StoreFixture f = new StoreFixture()) {
            assertEquals(0, f.store.commandLatency().count());
            f.offerPush(true, J1, "a 1\n");
            f.offerPush(true, J2, "a 2\n");
            f.store.drainAll(); // both in one batch
            f.delete(J1);

            assertEquals(3, f.store.commandLatency().count());
            assertEquals(2, f.store.batchApplyTime().count());
            assertTrue(f.store.commandLatency().sumSeconds() > 0);
            assertFalse(f.store.journaled());
            assertEquals(0, f.store.journalWriteTime().count(), "no journal: nothing written");
        }
    }

    @Test
    void shouldCountTheBytesOfStoredChunksUntilTheirGroupsAreGone() {
        try (StoreFixture f = new StoreFixture()) {
            assertEquals(0, storedBytes(f));
            assertNull(f.put(J1, "a 1\n"));
            final long one = storedBytes(f);
            assertTrue(one > 0, "a group and its timestamps");
            assertNull(f.put(J2, "a 2\n"));
            assertEquals(2 * one, storedBytes(f), "a second group of the same shape");
            assertNull(f.put(J1, "a 3\n"));
            assertEquals(2 * one, storedBytes(f), "a replaced chunk is counted out");
            f.delete(J1);
            assertEquals(one, storedBytes(f));
            f.wipe();
            assertEquals(0, storedBytes(f));
        }
    }

    private static long storedBytes(StoreFixture f) {
        try (StoreSnapshot snapshot = f.store.acquire()) {
            return snapshot.storedBytes();
        }
    }
}
