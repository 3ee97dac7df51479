package io.cairn.core.scrape;

/**
 * zlib's {@code crc32_combine}: the CRC-32 of A followed by B from the CRC-32 of A, the CRC-32 of B and the length
 * of B, by applying "append len(B) zero bytes" to crc(A) as a GF(2) matrix power. Lets a gzip scrape reuse the
 * checksums of cached family segments instead of reading every byte again.
 */
final class Crc32Combine {
    private static final int DIM = 32;
    private static final long POLYNOMIAL = 0xedb88320L;

    private Crc32Combine() {
    }

    static long combine(long crc1, long crc2, long len2) {
        if (len2 <= 0) {
            return crc1;
        }
        final long[] even = new long[DIM];
        final long[] odd = new long[DIM];
        odd[0] = POLYNOMIAL; // the operator for one zero bit
        long row = 1;
        for (int n = 1; n < DIM; n++) {
            odd[n] = row;
            row <<= 1;
        }
        square(even, odd); // two zero bits
        square(odd, even); // four zero bits
        // apply len2 zero bytes to crc1, squaring the operator for each bit of len2
        do {
            square(even, odd);
            if ((len2 & 1) != 0) {
                crc1 = times(even, crc1);
            }
            len2 >>= 1;
            if (len2 == 0) {
                break;
            }
            square(odd, even);
            if ((len2 & 1) != 0) {
                crc1 = times(odd, crc1);
            }
            len2 >>= 1;
        } while (len2 != 0);
        return (crc1 ^ crc2) & 0xffffffffL;
    }

    private static long times(long[] matrix, long vector) {
        long sum = 0;
        int i = 0;
        while (vector != 0) {
            if ((vector & 1) != 0) {
                sum ^= matrix[i];
            }
            vector >>>= 1;
            i++;
        }
        return sum;
    }

    private static void square(long[] square, long[] matrix) {
        for (int n = 0; n < DIM; n++) {
            square[n] = times(matrix, matrix[n]);
        }
    }
}
