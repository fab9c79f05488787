package io.stoq.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Test-side reader of a RocksDB write-ahead log's physical records (32 KiB blocks, 7-byte headers:
 * crc, length, type), written from the format description independently of the store's own
 * scanner, so tests can aim a flipped byte at one record. Also flips bytes and finds files.
 */
public final class WalFiles {
    private WalFiles() {}

    /** One physical record: where its header starts, its payload length and type. */
    public record Rec(long offset, int length, int type) {
        public long payloadStart() {
            return offset + 7;
        }
    }

    /** The physical records of {@code log}, in order (non-recyclable logs only). */
    public static List<Rec> records(Path log) throws IOException {
        byte[] b = Files.readAllBytes(log);
        List<Rec> out = new ArrayList<>();
        for (int block = 0; block < b.length; block += 32 * 1024) {
            int end = Math.min(b.length, block + 32 * 1024);
            int off = block;
            while (end - off >= 7) {
                int length = (b[off + 4] & 0xff) | (b[off + 5] & 0xff) << 8;
                int type = b[off + 6] & 0xff;
                if (type == 0 && length == 0 || off + 7 + length > end) {
                    break;
                }
                out.add(new Rec(off, length, type));
                off += 7 + length;
            }
        }
        return out;
    }

    /**
     * The logical records (one WriteBatch each: a FULL record, or FIRST, MIDDLE..., LAST
     * fragments) of {@code log}, each as its physical records in order.
     */
    public static List<List<Rec>> logicalRecords(Path log) throws IOException {
        List<List<Rec>> out = new ArrayList<>();
        List<Rec> current = null;
        for (Rec r : records(log)) {
            switch (r.type()) {
                case 1 -> out.add(List.of(r));
                case 2 -> current = new ArrayList<>(List.of(r));
                case 3 -> current.add(r);
                case 4 -> {
                    current.add(r);
                    out.add(List.copyOf(current));
                    current = null;
                }
                default -> throw new IllegalStateException("unexpected record type " + r.type() + " at " + r.offset());
            }
        }
        return out;
    }

    /** The only write-ahead log in a RocksDB directory (fails if there is not exactly one). */
    public static Path onlyLog(Path dir) throws IOException {
        List<Path> logs = files(dir, ".log");
        if (logs.size() != 1) {
            throw new IllegalStateException("expected one log in " + dir + ", found " + logs);
        }
        return logs.get(0);
    }

    /** Files of {@code dir} whose names are digits plus {@code suffix} (e.g. ".log", ".sst"). */
    public static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("[0-9]+" + java.util.regex.Pattern.quote(suffix))).sorted().toList();
        }
    }

    /** The largest file of {@code dir} with that suffix. */
    public static Path largest(Path dir, String suffix) throws IOException {
        Path best = null;
        for (Path p : files(dir, suffix)) {
            if (best == null || Files.size(p) > Files.size(best)) {
                best = p;
            }
        }
        return best;
    }

    /** Flips the lowest bit of the byte at {@code offset} in {@code file}, in place. */
    public static void flip(Path file, long offset) throws IOException {
        flip(file, offset, 0x01);
    }

    /** XORs the byte at {@code offset} in {@code file} with {@code mask}, in place. */
    public static void flip(Path file, long offset, int mask) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[Math.toIntExact(offset)] ^= (byte) mask;
        Files.write(file, b);
    }

    /** Cuts {@code file} to its first {@code length} bytes, as a crash mid-write leaves it. */
    public static void truncate(Path file, long length) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(length);
        }
    }
}
