package io.stoq.shard.corpus;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Deterministic generated data of any size, as a stream (never materialised): the same kind, size
 * and seed always give the same bytes. Used by tests (multi-GiB round trips without disk) and by
 * {@code stoq bench shard} (the mixed corpus). Lives in main sources so the benchmark in stoq-node
 * can use it.
 *
 * <p>Not thread-safe; one stream per thread.
 */
public final class CorpusGenerator extends InputStream {
    static final int SEGMENT = 4 << 20;
    private static final int BLOCK = 64 * 1024;
    private static final int POOL_BLOCK = 1 << 20;
    private static final byte[][] WORDS = words("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
            "hotel", "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
            "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu", "Oslo", "Lisbon",
            "Nairobi", "Lima", "Osaka", "Quito", "Perth", "Accra", "Tallinn", "Hanoi");

    private final CorpusKind kind;
    private final long size;
    private final SplittableRandom random;
    private final byte[][] pool;
    private final byte[] block = new byte[BLOCK + 256];
    private int blockPos;
    private int blockEnd;
    private long produced; // bytes generated into blocks so far
    private long delivered;
    private long lineNo;
    private int dupBlock = -1;
    private int dupPos;

    private CorpusGenerator(CorpusKind kind, long size, long seed) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0");
        }
        this.kind = kind;
        this.size = size;
        this.random = new SplittableRandom(seed);
        SplittableRandom poolRandom = new SplittableRandom(seed ^ 0x5DEECE66DL);
        this.pool = new byte[4][POOL_BLOCK];
        for (byte[] b : pool) {
            poolRandom.nextBytes(b);
        }
    }

    /** A stream of {@code size} bytes of {@code kind}, reproducible from {@code seed}. */
    public static InputStream stream(CorpusKind kind, long size, long seed) {
        return new CorpusGenerator(kind, size, seed);
    }

    /** The same data as a byte array (for tests that edit it); size must fit an array. */
    public static byte[] bytes(CorpusKind kind, int size, long seed) {
        try (InputStream in = stream(kind, size, seed)) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e); // generated data cannot fail
        }
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (delivered >= size) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        int total = 0;
        while (total < len && delivered < size) {
            if (blockPos == blockEnd) {
                refill();
            }
            int n = (int) Math.min(Math.min(len - total, blockEnd - blockPos), size - delivered);
            System.arraycopy(block, blockPos, b, off + total, n);
            blockPos += n;
            total += n;
            delivered += n;
        }
        return total;
    }

    @Override
    public long skip(long n) {
        byte[] sink = new byte[BLOCK];
        long skipped = 0;
        while (skipped < n) {
            int r = read(sink, 0, (int) Math.min(sink.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    private void refill() {
        CorpusKind now = kind;
        if (kind == CorpusKind.MIXED) {
            now = switch ((int) ((produced / SEGMENT) % 3)) {
                case 0 -> CorpusKind.RANDOM;
                case 1 -> CorpusKind.TEXT;
                default -> CorpusKind.DUPLICATED;
            };
        }
        // Never let one block straddle a MIXED segment boundary.
        int want = (int) Math.min(BLOCK, SEGMENT - (produced % SEGMENT));
        int n = switch (now) {
            case RANDOM -> randomBlock(want);
            case TEXT -> textBlock(want);
            default -> duplicateBlock(want);
        };
        blockPos = 0;
        blockEnd = n;
        produced += n;
    }

    private int randomBlock(int want) {
        for (int i = 0; i + 8 <= want; i += 8) {
            long v = random.nextLong();
            for (int k = 0; k < 8; k++) {
                block[i + k] = (byte) (v >>> (8 * k));
            }
        }
        for (int i = want & ~7; i < want; i++) {
            block[i] = (byte) random.nextInt();
        }
        return want;
    }

    /** Whole lines only, so text lines never break across blocks; at least one line per block. */
    private int textBlock(int want) {
        int pos = 0;
        while (pos < want - 200 || pos == 0) {
            pos = writeNumber(++lineNo, pos);
            block[pos++] = ',';
            for (int w = 0; w < 3; w++) {
                byte[] word = WORDS[random.nextInt(WORDS.length)];
                System.arraycopy(word, 0, block, pos, word.length);
                pos += word.length;
                block[pos++] = w == 2 ? (byte) ',' : (byte) ' ';
            }
            pos = writeNumber(random.nextInt(1_000_000), pos);
            block[pos++] = '.';
            pos = writeNumber(10 + random.nextInt(90), pos);
            block[pos++] = ',';
            pos = writeNumber(1_700_000_000L + random.nextInt(100_000_000), pos);
            block[pos++] = '\n';
        }
        return pos;
    }

    /** Copies whole 1 MiB runs, each one of a pool of four random blocks, so runs repeat. */
    private int duplicateBlock(int want) {
        if (dupBlock < 0 || dupPos >= POOL_BLOCK) {
            dupBlock = random.nextInt(pool.length);
            dupPos = 0;
        }
        int n = Math.min(want, POOL_BLOCK - dupPos);
        System.arraycopy(pool[dupBlock], dupPos, block, 0, n);
        dupPos += n;
        return n;
    }

    private int writeNumber(long value, int pos) {
        String s = Long.toString(value);
        for (int i = 0; i < s.length(); i++) {
            block[pos++] = (byte) s.charAt(i);
        }
        return pos;
    }

    private static byte[][] words(String... words) {
        byte[][] out = new byte[words.length][];
        for (int i = 0; i < words.length; i++) {
            out[i] = words[i].getBytes(StandardCharsets.US_ASCII);
        }
        return out;
    }
}
