package io.stoq.shard.codec;

/** How one shard's plaintext was stored before encryption. Codes are part of the manifest format. */
public enum Compression {
    /** Stored as is: compression did not shrink it, or the format is known to be dense. */
    RAW(0),
    /** One zstd frame. */
    ZSTD(1);

    private final int code;

    Compression(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Compression fromCode(int code) {
        for (Compression c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        return null;
    }
}
