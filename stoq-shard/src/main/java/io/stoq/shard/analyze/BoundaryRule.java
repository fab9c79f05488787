package io.stoq.shard.analyze;

import io.stoq.shard.chunk.BoundaryTest;

/**
 * Where a format naturally breaks: the positions at which a chunk may end so that the next chunk
 * starts at a line, record or archive entry. The chunker snaps a content-defined cut point to the
 * nearest such position within a window, which keeps an edit inside one record from spilling into
 * the neighbouring shards and lets records dedup whole.
 *
 * <p>Stateless and thread-safe; every rule decides from a few bytes around the position.
 */
public enum BoundaryRule implements BoundaryTest {
    /** No natural boundaries (media, unknown binary): plain FastCDC. */
    NONE(0, 0),
    /** A new line starts here: the previous byte is '\n' (text, CSV records, JSON lines). */
    LINE_END(1, 0),
    /** A ZIP local file header ({@code PK\3\4}) or the central directory ({@code PK\1\2}) starts here. */
    ZIP_ENTRY(2, 4),
    /** A tar header starts here: 512-byte aligned and {@code ustar} at offset 257. */
    TAR_ENTRY(3, 263);

    private final int code;
    private final int lookahead;

    BoundaryRule(int code, int lookahead) {
        this.code = code;
        this.lookahead = lookahead;
    }

    /** Stable code for manifests. */
    public int code() {
        return code;
    }

    /** Bytes needed at and after a position to decide it. */
    @Override
    public int lookahead() {
        return lookahead;
    }

    /**
     * True when a chunk may end just before {@code buf[pos]}. {@code end} bounds the valid bytes
     * of {@code buf} (positions needing bytes past it answer false); {@code absolute} is the
     * position's offset in the whole input (for alignment rules). Requires {@code pos >= 1}.
     */
    @Override
    public boolean startsAt(byte[] buf, int pos, int end, long absolute) {
        switch (this) {
            case LINE_END:
                return buf[pos - 1] == '\n';
            case ZIP_ENTRY:
                return pos + 4 <= end && buf[pos] == 'P' && buf[pos + 1] == 'K'
                        && ((buf[pos + 2] == 3 && buf[pos + 3] == 4) || (buf[pos + 2] == 1 && buf[pos + 3] == 2));
            case TAR_ENTRY:
                return (absolute & 511) == 0 && pos + 263 <= end
                        && buf[pos + 257] == 'u' && buf[pos + 258] == 's' && buf[pos + 259] == 't'
                        && buf[pos + 260] == 'a' && buf[pos + 261] == 'r';
            default:
                return false;
        }
    }

    public static BoundaryRule fromCode(int code) {
        for (BoundaryRule r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return null;
    }
}
