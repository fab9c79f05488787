package io.stoq.ledger.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * Reads RocksDB write-ahead logs ({@code NNNNNN.log}) record by record, checking each physical
 * record's CRC32C, to say <em>where</em> a log is damaged: RocksDB refuses to open a damaged log
 * but names neither the file nor the offset ("Corruption: checksum mismatch"), and an operator
 * needs both.
 *
 * <p>The format is RocksDB's documented log format ({@code db/log_format.h}): 32 KiB blocks; each
 * physical record is {@code masked crc32c (4, LE) | length (2, LE) | type (1)} (recyclable types
 * add a 4-byte log number) and its payload; a block tail shorter than a header is zero padding;
 * a logical record (one WriteBatch) is one FULL record or FIRST, MIDDLE..., LAST fragments. The
 * CRC covers the type byte, the log number if any, and the payload, not the length.
 *
 * <p>What it classifies, mirroring RocksDB's own reader ({@code db/log_reader.cc}):
 * <ul>
 *   <li><b>torn tail</b>: the file ends inside a record's header or payload, or inside a
 *       fragmented record. A crash or power loss during an <em>unacknowledged</em> write leaves
 *       exactly this, because a synced write is acknowledged only after its whole record is on
 *       disk. Not damage.
 *   <li><b>damage</b>: a CRC mismatch, a length running past a full block, a fragment out of
 *       order, an unknown record type; and one case RocksDB's tolerant mode would take for a torn
 *       tail: a record at the end whose bytes are complete and check out under some shorter
 *       length, i.e. a finished record whose length field was damaged afterwards. A crash never
 *       rewrites bytes already written, so only damage produces that.
 * </ul>
 *
 * <p>Stateless; reads files with a 32 KiB buffer plus the logical record being assembled.
 */
final class WalScanner {
    static final int BLOCK = 32 * 1024;
    private static final int HEADER = 7;
    private static final int RECYCLABLE_HEADER = 11;
    private static final Pattern WAL_NAME = Pattern.compile("[0-9]+\\.log");

    private WalScanner() {}

    /** What is wrong at one place in one log. */
    record Finding(Path file, long offset, String problem) {}

    /**
     * The outcome of scanning every log of a database directory, oldest first: the first damage
     * (null when none), the torn tails (harmless), how many intact logical records follow the
     * damage in the logs, and how many intact logical records were seen in all.
     */
    record Result(Finding damage, List<Finding> tornTails, long intactRecordsAfterDamage, long intactRecords) {
        boolean damaged() {
            return damage != null;
        }
    }

    /** The WAL files of a RocksDB directory, oldest (lowest number) first. */
    static List<Path> logs(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                if (WAL_NAME.matcher(f.getFileName().toString()).matches() && Files.isRegularFile(f)) {
                    out.add(f);
                }
            }
        }
        out.sort(Comparator.comparingLong(f -> Long.parseLong(f.getFileName().toString().replace(".log", ""))));
        return out;
    }

    /**
     * Scans every log in {@code dir}; {@code visitor} gets each intact logical record (a
     * serialized WriteBatch) and whether it lies after the first damage.
     */
    static Result scan(Path dir, BiConsumer<byte[], Boolean> visitor) throws IOException {
        Finding damage = null;
        List<Finding> torn = new ArrayList<>();
        long after = 0;
        long intact = 0;
        for (Path log : logs(dir)) {
            FileScan s = new FileScan(log, damage != null, visitor);
            s.run();
            if (damage == null && s.damage != null) {
                damage = s.damage;
            }
            if (s.torn != null) {
                torn.add(s.torn);
            }
            after += s.intactAfterDamage;
            intact += s.intact;
        }
        return new Result(damage, List.copyOf(torn), after, intact);
    }

    /** One pass over one file; fields are the findings. Confined to the scanning thread. */
    private static final class FileScan {
        private final Path file;
        private final BiConsumer<byte[], Boolean> visitor;
        private boolean afterDamage;
        private Finding damage;
        private Finding torn;
        private long intact;
        private long intactAfterDamage;
        private java.io.ByteArrayOutputStream fragments;
        private long fragmentStart;

        FileScan(Path file, boolean afterDamage, BiConsumer<byte[], Boolean> visitor) {
            this.file = file;
            this.afterDamage = afterDamage;
            this.visitor = visitor;
        }

        void run() throws IOException {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                ByteBuffer block = ByteBuffer.allocate(BLOCK);
                for (long blockStart = 0; blockStart < size; blockStart += BLOCK) {
                    block.clear();
                    while (block.hasRemaining() && ch.read(block, blockStart + block.position()) > 0) {
                        // read the whole block, or to the end of the file
                    }
                    boolean last = blockStart + block.position() >= size;
                    scanBlock(block.array(), block.position(), blockStart, last);
                }
            }
            if (fragments != null) {
                torn = new Finding(file, fragmentStart, "ends inside a record written in fragments");
            }
        }

        private void scanBlock(byte[] b, int n, long blockStart, boolean lastBlock) {
            int off = 0;
            while (n - off >= HEADER) {
                int length = (b[off + 4] & 0xff) | ((b[off + 5] & 0xff) << 8);
                int type = b[off + 6] & 0xff;
                int header = recyclable(type) ? RECYCLABLE_HEADER : HEADER;
                long at = blockStart + off;
                if (n - off < header) {
                    tornOrBad(lastBlock, at, "header runs past its block");
                    return;
                }
                if (header + length > n - off) {
                    if (lastBlock && n < BLOCK) {
                        if (completeUnderShorterLength(b, off, header, n - off)) {
                            damage(at, "is complete but its length field is damaged");
                        } else {
                            torn = new Finding(file, at, "ends inside a record (an unacknowledged write cut by a crash)");
                            fragments = null;
                        }
                    } else {
                        damage(at, "has a length (" + length + " bytes) that runs past its block");
                    }
                    return;
                }
                if (type == 0 && length == 0) {
                    return; // preallocated, zeroed space: RocksDB skips the rest of the block
                }
                int stored = BlobFileScanner.unmask(intLE(b, off));
                CRC32C crc = new CRC32C();
                crc.update(b, off + 6, header - 6 + length);
                if ((int) crc.getValue() != stored) {
                    damage(at, "fails its checksum");
                    return; // as RocksDB does: the length may be the damaged part, so trust nothing after it in this block
                }
                record(type, b, off + header, length, at);
                off += header + length;
            }
            if (off < n && lastBlock && n < BLOCK && !allZero(b, off, n)) {
                torn = new Finding(file, blockStart + off, "ends inside a record header (an unacknowledged write cut by a crash)");
            }
        }

        private void record(int type, byte[] b, int from, int length, long at) {
            switch (type) {
                case 1, 5 -> {
                    if (fragments != null) {
                        damage(fragmentStart, "has a fragmented record without its end");
                    }
                    deliver(java.util.Arrays.copyOfRange(b, from, from + length));
                }
                case 2, 6 -> {
                    if (fragments != null) {
                        damage(fragmentStart, "has a fragmented record without its end");
                    }
                    fragments = new java.io.ByteArrayOutputStream();
                    fragments.write(b, from, length);
                    fragmentStart = at;
                }
                case 3, 7, 4, 8 -> {
                    if (fragments == null) {
                        damage(at, "has a record fragment without its start");
                        return;
                    }
                    fragments.write(b, from, length);
                    if (type == 4 || type == 8) {
                        byte[] whole = fragments.toByteArray();
                        fragments = null;
                        deliver(whole);
                    }
                }
                case 9, 10, 11 -> {
                    // compression and timestamp-size metadata: not WriteBatches
                }
                default -> {
                    if ((type & 0x80) == 0) {
                        damage(at, "has a record of unknown type " + type);
                    }
                }
            }
        }

        private void deliver(byte[] batch) {
            intact++;
            if (afterDamage) {
                intactAfterDamage++;
            }
            visitor.accept(batch, afterDamage);
        }

        private void damage(long at, String problem) {
            if (damage == null) {
                damage = new Finding(file, at, problem);
            }
            afterDamage = true;
            fragments = null;
        }

        private void tornOrBad(boolean lastBlock, long at, String problem) {
            if (lastBlock) {
                torn = new Finding(file, at, "ends inside a record header (an unacknowledged write cut by a crash)");
            } else {
                damage(at, problem);
            }
        }

        /**
         * True when the record at {@code off}, whose declared length runs past the end of the
         * file, checks out under some length that fits: its bytes are all there, so it was
         * written completely and its length field changed afterwards.
         */
        private static boolean completeUnderShorterLength(byte[] b, int off, int header, int available) {
            int stored = BlobFileScanner.unmask(intLE(b, off));
            CRC32C crc = new CRC32C();
            crc.update(b, off + 6, header - 6);
            for (int len = 0; len <= available - header; len++) {
                if ((int) crc.getValue() == stored) {
                    return true;
                }
                if (len < available - header) {
                    crc.update(b[off + header + len]);
                }
            }
            return false;
        }
    }

    private static boolean recyclable(int type) {
        return (type >= 5 && type <= 8) || (type >= 10 && (type & 1) == 1);
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static int intLE(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}
