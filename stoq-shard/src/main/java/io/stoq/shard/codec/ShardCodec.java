package io.stoq.shard.codec;

import com.github.luben.zstd.Zstd;
import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.aead.AesGcm;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.kdf.Hkdf;
import io.stoq.shard.AssetId;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.chunk.Chunk;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Turns one chunk into one stored shard and back: zstd (kept raw when it does not shrink), then
 * AES-256-GCM under a key of its own, then SHA3-256 of the sealed bytes.
 *
 * <pre>
 *   shard key = HKDF-SHA3-256(ikm = asset key, salt = none, info = "stoq/shard-key/v1" || u32 index, 32)
 *   AAD       = asset id (16) || u64 version || u32 index          (big-endian)
 *   stored    = nonce (12, random) || AES-256-GCM ciphertext || tag (16)
 *   hash      = SHA3-256(stored)   = the shard's merkle leaf data
 * </pre>
 * The AAD binds a shard to its asset, version and position: a shard moved to another index or
 * version fails authentication even under the right key.
 *
 * <p>Immutable and thread-safe: the pipeline calls {@link #encode} from many threads at once.
 */
public final class ShardCodec {
    private static final byte[] KEY_INFO = "stoq/shard-key/v1".getBytes(StandardCharsets.US_ASCII);
    /**
     * Before compressing a whole shard, compress four {@value #PROBE}-byte samples spread over it;
     * if none saves 3%, the shard is stored raw without the full attempt (random or encrypted
     * data would cost a full zstd pass for nothing). Samples spread out, because a shard of a
     * mixed file can start dense and turn compressible.
     */
    private static final int PROBE = 16 * 1024;
    private static final int SAMPLES = 4;

    private final AssetId assetId;
    private final long version;
    private final byte[] assetKey;
    private final int zstdLevel;
    private final boolean compress;

    /**
     * @param compress false skips compression entirely (known-dense formats); every shard is RAW
     */
    public ShardCodec(AssetId assetId, long version, byte[] assetKey, int zstdLevel, boolean compress) {
        if (assetKey.length != AesGcm.KEY_LENGTH) {
            throw new IllegalArgumentException("asset key must be 32 bytes");
        }
        this.assetId = assetId;
        this.version = version;
        this.assetKey = assetKey.clone();
        this.zstdLevel = zstdLevel;
        this.compress = compress;
    }

    public int zstdLevel() {
        return zstdLevel;
    }

    /** Encodes one chunk with a workspace of its own (callers outside the pipeline, tests). */
    public EncodedShard encode(Chunk chunk) throws ShardException {
        try (CodecWorkspace workspace = new CodecWorkspace()) {
            return encode(chunk, workspace);
        }
    }

    /**
     * Encodes one chunk, compressing into {@code workspace}'s scratch array and sealing straight
     * from it: the sealed output is the only array allocated. The workspace must belong to the
     * calling thread.
     */
    EncodedShard encode(Chunk chunk, CodecWorkspace workspace) throws ShardException {
        int index = Math.toIntExact(chunk.index());
        byte[] plain = chunk.data();
        byte[] body = plain;
        int bodyLength = plain.length;
        Compression compression = Compression.RAW;
        if (compress && plain.length > 0 && worthTrying(plain, workspace)) {
            int packed = workspace.compress(plain, 0, plain.length, zstdLevel);
            if (packed < plain.length) {
                body = workspace.packed();
                bodyLength = packed;
                compression = Compression.ZSTD;
            }
        }
        byte[] stored;
        try {
            stored = AesGcm.seal(shardKey(index), aad(index), body, 0, bodyLength);
        } catch (CryptoException e) {
            throw new ShardException(ShardErrorCode.CORRUPT_CONTENT, "cannot encrypt shard " + index + ": " + e.getMessage(), e);
        }
        Hash256 hash = Sha3.hash(stored);
        return new EncodedShard(index, chunk.offset(), plain.length, compression, stored, hash);
    }

    /**
     * Verifies and opens a stored shard: length, then SHA3-256 against {@code entry}, then AES-GCM,
     * then decompression to exactly {@code entry.plainLength()} bytes. Nothing is returned unless
     * every check passed; each failure names the shard and what was wrong.
     */
    public byte[] decode(int index, ShardEntry entry, byte[] stored) throws ShardException {
        if (stored.length < entry.storedLength()) {
            throw new ShardException(ShardErrorCode.SHARD_TRUNCATED, "shard " + index + " is truncated: "
                    + stored.length + " bytes, the manifest says " + entry.storedLength());
        }
        if (stored.length > entry.storedLength()) {
            throw new ShardException(ShardErrorCode.SHARD_HASH_MISMATCH, "shard " + index + " has "
                    + stored.length + " bytes, the manifest says " + entry.storedLength());
        }
        Hash256 actual = Sha3.hash(stored);
        if (!actual.equals(entry.hash())) {
            throw new ShardException(ShardErrorCode.SHARD_HASH_MISMATCH, "shard " + index
                    + " hash mismatch: SHA3-256 is " + actual.toHex() + ", the manifest says " + entry.hash().toHex());
        }
        return open(index, entry, stored);
    }

    /** Decrypts and decompresses a shard whose hash the caller has already checked. */
    public byte[] open(int index, ShardEntry entry, byte[] stored) throws ShardException {
        byte[] body;
        try {
            body = AesGcm.open(shardKey(index), aad(index), stored);
        } catch (CryptoException e) {
            if (e.code() == CryptoErrorCode.VERIFICATION_FAILED) {
                throw new ShardException(ShardErrorCode.WRONG_KEY, "shard " + index
                        + " does not decrypt: wrong asset key, or it belongs to another asset, version or index");
            }
            throw new ShardException(ShardErrorCode.SHARD_TRUNCATED, "shard " + index + " is not a sealed shard: " + e.getMessage(), e);
        }
        if (entry.compression() == Compression.RAW) {
            if (body.length != entry.plainLength()) {
                throw corrupt(index, "holds " + body.length + " bytes, the manifest says " + entry.plainLength());
            }
            return body;
        }
        long declared = Zstd.getFrameContentSize(body);
        if (declared != entry.plainLength()) {
            throw corrupt(index, "zstd frame declares " + declared + " bytes, the manifest says " + entry.plainLength());
        }
        byte[] plain = new byte[entry.plainLength()];
        long n = Zstd.decompressByteArray(plain, 0, plain.length, body, 0, body.length);
        if (Zstd.isError(n) || n != plain.length) {
            throw corrupt(index, "zstd frame does not decompress to " + plain.length + " bytes");
        }
        return plain;
    }

    private static ShardException corrupt(int index, String why) {
        return new ShardException(ShardErrorCode.CORRUPT_CONTENT, "shard " + index + " " + why);
    }

    private boolean worthTrying(byte[] plain, CodecWorkspace workspace) {
        if (plain.length <= 8 * PROBE) {
            return true;
        }
        long stride = (plain.length - PROBE) / (SAMPLES - 1);
        for (int i = 0; i < SAMPLES; i++) {
            int from = (int) (i * stride);
            if (workspace.probe(plain, from, PROBE, zstdLevel) < PROBE * 97L / 100) {
                return true;
            }
        }
        return false;
    }

    byte[] shardKey(int index) {
        byte[] info = ByteBuffer.allocate(KEY_INFO.length + 4).put(KEY_INFO).putInt(index).array();
        return Hkdf.SHA3_256.derive(assetKey, null, info, AesGcm.KEY_LENGTH);
    }

    byte[] aad(int index) {
        return ByteBuffer.allocate(AssetId.LENGTH + 12).put(assetId.toBytes()).putLong(version).putInt(index).array();
    }
}
