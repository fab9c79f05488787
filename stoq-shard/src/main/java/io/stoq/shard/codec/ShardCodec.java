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
import java.security.GeneralSecurityException;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns one chunk into one stored shard and back: zstd (kept raw when it does not shrink), then
 * AES-256-GCM under a key of its own, then SHA3-256 of the sealed bytes. Two suites:
 *
 * <pre>
 * suite 1 (per version; read, and written by {@code stoq shard encode}):
 *   shard key = HKDF-SHA3-256(ikm = asset key, salt = none, info = "stoq/shard-key/v1" || u32 index, 32)
 *   AAD       = asset id (16) || u64 version || u32 index          (big-endian)
 * suite 2 (per lineage: the versions of one asset share unchanged shards):
 *   chunk id  = HMAC-SHA-256(key = HKDF-SHA3-256(lineage secret, info = "stoq/chunk-id/v2", 32), plaintext)
 *   shard key = HKDF-SHA3-256(ikm = lineage secret, salt = none, info = "stoq/shard-key/v2" || chunk id, 32)
 *   AAD       = "stoq/shard/v2" || asset id (16) || chunk id (32)
 * both:
 *   stored    = nonce (12, random) || AES-256-GCM ciphertext || tag (16)
 *   hash      = SHA3-256(stored)   = the shard's merkle leaf data
 * </pre>
 * Suite 1's AAD binds a shard to its asset, version and position: a shard moved to another index
 * or version fails authentication even under the right key. Suite 2 binds it to its lineage and
 * plaintext instead (a shard may sit at any index of any version of its asset; the signed
 * manifest fixes where): a key encrypts only the chunks with one chunk id, that is one plaintext,
 * so a shard cannot be opened as another chunk. Why suite 2 looks as it does, and what it reveals
 * to whom: docs/shard.md, "Versions share shards".
 *
 * <p>A suite-2 codec may be given the chunk ids the lineage already stored ({@code known}): a
 * chunk whose id is among them is not sealed again but answered with the stored entry
 * ({@link EncodedShard#reused()}), which skips compression, encryption and the shard hash.
 *
 * <p>Immutable and thread-safe: the pipeline calls {@link #encode} from many threads at once.
 */
public final class ShardCodec {
    private static final byte[] KEY_INFO = "stoq/shard-key/v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEY_INFO_V2 = "stoq/shard-key/v2".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHUNK_ID_INFO = "stoq/chunk-id/v2".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AAD_V2 = "stoq/shard/v2".getBytes(StandardCharsets.US_ASCII);
    /** Per-version keys, derived from the index (manifest suite 1). */
    public static final int SUITE_INDEX = 1;
    /** Per-lineage keys, derived from the chunk id (manifest suite 2). */
    public static final int SUITE_LINEAGE = 2;
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
    private final int suite;
    /** Suite 2: the HMAC key of chunk ids. */
    private final SecretKeySpec chunkIdKey;
    /** Suite 2: chunk id to the entry the lineage already stores it as (read only). */
    private final Map<Hash256, ShardEntry> known;

    /**
     * A suite-1 codec (keys per asset version and index).
     *
     * @param compress false skips compression entirely (known-dense formats); every shard is RAW
     */
    public ShardCodec(AssetId assetId, long version, byte[] assetKey, int zstdLevel, boolean compress) {
        this(SUITE_INDEX, assetId, version, assetKey, zstdLevel, compress, Map.of());
    }

    private ShardCodec(int suite, AssetId assetId, long version, byte[] key, int zstdLevel, boolean compress,
            Map<Hash256, ShardEntry> known) {
        if (key.length != AesGcm.KEY_LENGTH) {
            throw new IllegalArgumentException("asset key must be 32 bytes");
        }
        this.suite = suite;
        this.assetId = assetId;
        this.version = version;
        this.assetKey = key.clone();
        this.zstdLevel = zstdLevel;
        this.compress = compress;
        this.known = known;
        this.chunkIdKey = suite == SUITE_LINEAGE
                ? new SecretKeySpec(Hkdf.SHA3_256.derive(key, null, CHUNK_ID_INFO, 32), "HmacSHA256") : null;
    }

    /**
     * A suite-2 codec for the lineage of {@code assetId} (all its versions) under the lineage
     * secret; {@code known} maps chunk ids the lineage already stores to their entries (empty for
     * a first version; not copied, must not change while the codec is used).
     */
    public static ShardCodec lineage(AssetId assetId, byte[] lineageSecret, int zstdLevel, boolean compress,
            Map<Hash256, ShardEntry> known) {
        return new ShardCodec(SUITE_LINEAGE, assetId, 0, lineageSecret, zstdLevel, compress, Map.copyOf(known));
    }

    /** A codec to read a manifest's shards: its suite, asset id, version and key. */
    public static ShardCodec reading(int suite, AssetId assetId, long version, byte[] key, int zstdLevel) {
        if (suite != SUITE_INDEX && suite != SUITE_LINEAGE) {
            throw new IllegalArgumentException("unknown cipher suite " + suite);
        }
        return new ShardCodec(suite, assetId, version, key, zstdLevel, true, Map.of());
    }

    public int suite() {
        return suite;
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
        Hash256 chunkId = null;
        if (suite == SUITE_LINEAGE) {
            chunkId = chunkId(plain);
            ShardEntry stored = known.get(chunkId);
            if (stored != null && stored.plainLength() == plain.length) {
                return EncodedShard.reuse(index, chunk.offset(), stored);
            }
        }
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
            stored = chunkId == null ? AesGcm.seal(shardKey(index), aad(index), body, 0, bodyLength)
                    : AesGcm.seal(shardKey(chunkId), aad(chunkId), body, 0, bodyLength);
        } catch (CryptoException e) {
            throw new ShardException(ShardErrorCode.CORRUPT_CONTENT, "cannot encrypt shard " + index + ": " + e.getMessage(), e);
        }
        Hash256 hash = Sha3.hash(stored);
        return new EncodedShard(index, chunk.offset(), new ShardEntry(plain.length, stored.length, compression, hash, chunkId), stored);
    }

    /** Suite 2: the keyed hash of a chunk's plaintext under the lineage secret. */
    public Hash256 chunkId(byte[] plain) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(chunkIdKey);
            return Hash256.of(mac.doFinal(plain));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is missing from this JVM", e);
        }
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
            if (suite == SUITE_LINEAGE && entry.chunkId() == null) {
                throw new ShardException(ShardErrorCode.CORRUPT_CONTENT, "shard " + index + " has no chunk id in a suite-2 manifest");
            }
            body = suite == SUITE_LINEAGE ? AesGcm.open(shardKey(entry.chunkId()), aad(entry.chunkId()), stored)
                    : AesGcm.open(shardKey(index), aad(index), stored);
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

    byte[] shardKey(Hash256 chunkId) {
        byte[] info = ByteBuffer.allocate(KEY_INFO_V2.length + Hash256.LENGTH).put(KEY_INFO_V2).put(chunkId.toBytes()).array();
        return Hkdf.SHA3_256.derive(assetKey, null, info, AesGcm.KEY_LENGTH);
    }

    byte[] aad(Hash256 chunkId) {
        return ByteBuffer.allocate(AAD_V2.length + AssetId.LENGTH + Hash256.LENGTH).put(AAD_V2).put(assetId.toBytes())
                .put(chunkId.toBytes()).array();
    }

    byte[] aad(int index) {
        return ByteBuffer.allocate(AssetId.LENGTH + 12).put(assetId.toBytes()).putLong(version).putInt(index).array();
    }
}
