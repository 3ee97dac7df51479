package io.cairn.core.scrape;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Crc32CombineTest {
    @Test
    void shouldEqualTheCrcOfTheConcatenation() {
        final Random random = new Random(42);
        for (int i = 0; i < 200; i++) {
            final byte[] a = new byte[random.nextInt(3000)];
            final byte[] b = new byte[random.nextInt(3000)];
            random.nextBytes(a);
            random.nextBytes(b);
            final CRC32 whole = new CRC32();
            whole.update(a);
            whole.update(b);
            assertEquals(whole.getValue(), Crc32Combine.combine(crc(a), crc(b), b.length), "case " + i);
        }
    }

    @Test
    void shouldKeepTheFirstCrcForAnEmptySecondPart() {
        final byte[] a = "push_time_seconds".getBytes(StandardCharsets.UTF_8);
        assertEquals(crc(a), Crc32Combine.combine(crc(a), 0, 0));
        assertEquals(crc(a), Crc32Combine.combine(0, crc(a), a.length));
    }

    private static long crc(byte[] bytes) {
        final CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }
}
