package io.stoq.ledger.store;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Reads one RocksDB blob file from end to end and checks every checksum in it, to say whether
 * and <em>where</em> it is damaged. Needed because RocksDB's {@code VerifyChecksum} (the only
 * whole-database check RocksJava offers) reads tables only: a value that went to a blob file
 * (the ledger's tx bytes, the small shard store's shards) is checked only when something reads
 * it, so a damaged blob file would otherwise pass the check a node makes before it starts.
 *
 * <p>The format ({@code db/blob/blob_log_format.h}, version 1; all integers little-endian): a
 * 30-byte header ({@code magic 0x00248f37 | version 1 | column family id | flags | compression |
 * expiration range}); records of {@code key length (8) | value length (8) | expiration (8) |
 * header CRC (4) | blob CRC (4) | key | value}, where the header CRC covers the first 24 bytes and
 * the blob CRC the key and the value; a 32-byte footer ({@code magic | blob count (8) | expiration
 * range (16) | CRC (4)}, the CRC over the 28 bytes before it). Every CRC is a masked CRC32C, as in
 * the write-ahead log. RocksDB writes a blob file whole (at flush or compaction) and syncs it
 * before the MANIFEST names it, so a live blob file always has its footer: a missing one is damage
 * (a truncated file), not a crash to tolerate.
 *
 * <p>Stateless; thread-safe.
 */
final class BlobFileScanner {
    static final int MAGIC = 0x00248f37;
    static final int HEADER = 30;
    static final int RECORD_HEADER = 32;
    static final int FOOTER = 32;
    private static final int MASK_DELTA = 0xa282ead8;
    private static final int BUFFER = 1 << 20;

    private BlobFileScanner() {}

    /** A damaged place in the blob file checked. */
    record Finding(long offset, String problem) {}

    /** Null when every checksum of {@code file} holds; else the first damage, by byte offset. */
    static Finding check(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return new Reader(file, ch).scan();
        }
    }

    /**
     * The inverse of RocksDB's {@code crc32c::Mask} (blob files and write-ahead logs alike): it
     * stores a CRC rotated right by 15 bits plus a constant ({@code util/crc32c.h}).
     */
    static int unmask(int masked) {
        int rot = masked - MASK_DELTA;
        return (rot >>> 17) | (rot << 15);
    }

    /** Sequential reader over one file, through one reused buffer. */
    private static final class Reader {
        private final Path file;
        private final FileChannel ch;
        private final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        private long position;

        Reader(Path file, FileChannel ch) throws IOException {
            this.file = file;
            this.ch = ch;
            this.size = ch.size();
            buf.limit(0);
        }

        Finding scan() throws IOException {
            if (size < HEADER + FOOTER) {
                return damage(0, "is " + size + " bytes long, too short for a blob file's header and footer (truncated)");
            }
            need(HEADER);
            if (buf.getInt(buf.position()) != MAGIC) {
                return damage(0, "does not start with a blob file's magic number");
            }
            int version = buf.getInt(buf.position() + 4);
            if (version != 1) {
                return damage(4, "has blob file format version " + Integer.toUnsignedString(version) + ", not 1");
            }
            skip(HEADER);
            long records = 0;
            long footerAt = size - FOOTER;
            while (position < footerAt) {
                long at = position;
                if (footerAt - at < RECORD_HEADER) {
                    return damage(at, "is cut short: it ends inside a record header");
                }
                need(RECORD_HEADER);
                int p = buf.position();
                CRC32C crc = new CRC32C();
                crc.update(buf.array(), p, 24);
                if ((int) crc.getValue() != unmask(buf.getInt(p + 24))) {
                    return damage(at, "has a record header that fails its checksum");
                }
                long keyLength = buf.getLong(p);
                long valueLength = buf.getLong(p + 8);
                int blobCrc = unmask(buf.getInt(p + 28));
                skip(RECORD_HEADER);
                if (keyLength < 0 || valueLength < 0 || keyLength > footerAt - position || valueLength > footerAt - position - keyLength) {
                    // The header's checksum held, so the lengths are as written: the file is short.
                    return damage(at, "is cut short: its record of " + Long.toUnsignedString(keyLength) + " + "
                            + Long.toUnsignedString(valueLength) + " bytes runs into the last " + FOOTER + " bytes, where the footer belongs");
                }
                CRC32C body = new CRC32C();
                long left = keyLength + valueLength;
                while (left > 0) {
                    int n = (int) Math.min(left, BUFFER);
                    need(n);
                    body.update(buf.array(), buf.position(), n);
                    skip(n);
                    left -= n;
                }
                if ((int) body.getValue() != blobCrc) {
                    return damage(at, "has a record whose key and value fail their checksum");
                }
                records++;
            }
            need(FOOTER);
            int p = buf.position();
            if (buf.getInt(p) != MAGIC) {
                return damage(footerAt, "has no footer (magic number missing: truncated or overwritten)");
            }
            CRC32C crc = new CRC32C();
            crc.update(buf.array(), p, FOOTER - 4);
            if ((int) crc.getValue() != unmask(buf.getInt(p + FOOTER - 4))) {
                return damage(footerAt, "has a footer that fails its checksum");
            }
            long count = buf.getLong(p + 4);
            if (count != records) {
                return damage(footerAt, "has a footer counting " + Long.toUnsignedString(count) + " records, but holds " + records);
            }
            return null;
        }

        /** Makes the next {@code n} bytes (at most the buffer's size) available at the buffer's position. */
        private void need(int n) throws IOException {
            if (buf.remaining() >= n) {
                return;
            }
            buf.compact();
            while (buf.position() < n) {
                if (ch.read(buf) < 0) {
                    throw new EOFException(file + " ended early");
                }
            }
            buf.flip();
        }

        private void skip(int n) {
            buf.position(buf.position() + n);
            position += n;
        }

        private Finding damage(long offset, String problem) {
            return new Finding(offset, problem);
        }
    }
}
