package io.stoq.shard.analyze;

/**
 * What a file's bytes look like, as far as sharding cares: where natural cut points are and
 * whether compression can pay. {@link #code()} is stored in manifests and never changes meaning.
 */
public enum ContentFormat {
    /** UTF-8 (or ASCII) text: lines end at '\n'. */
    TEXT(1, true),
    /** Delimited records (comma, semicolon or tab), one per line. */
    CSV(2, true),
    /** One JSON value per line (JSON Lines / NDJSON). */
    JSON_LINES(3, true),
    /** ZIP family containers (zip, jar, docx, xlsx, epub, apk): entries start at a local header. */
    ZIP(4, false),
    /** POSIX tar: entries start at a 512-byte aligned header with the ustar magic. */
    TAR(5, true),
    /** Already compressed or media data (JPEG, PNG, MP4, gzip, zstd, xz...): compression won't pay. */
    MEDIA(6, false),
    /** Anything else. */
    BINARY(7, true);

    private final int code;
    private final boolean compressible;

    ContentFormat(int code, boolean compressible) {
        this.code = code;
        this.compressible = compressible;
    }

    /** Stable code for binary encodings. */
    public int code() {
        return code;
    }

    /**
     * Whether trying compression is worthwhile at all. The pipeline still falls back to raw storage
     * per shard when zstd does not shrink; this flag only saves the attempt on known-dense formats.
     */
    public boolean worthCompressing() {
        return compressible;
    }

    /** Natural boundaries of this format, for cut-point snapping. */
    public BoundaryRule boundaryRule() {
        return switch (this) {
            case TEXT, CSV, JSON_LINES -> BoundaryRule.LINE_END;
            case ZIP -> BoundaryRule.ZIP_ENTRY;
            case TAR -> BoundaryRule.TAR_ENTRY;
            case MEDIA, BINARY -> BoundaryRule.NONE;
        };
    }

    public static ContentFormat fromCode(int code) {
        for (ContentFormat f : values()) {
            if (f.code == code) {
                return f;
            }
        }
        return null;
    }
}
