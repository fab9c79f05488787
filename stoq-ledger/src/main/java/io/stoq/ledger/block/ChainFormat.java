package io.stoq.ledger.block;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.merkle.MerkleHash;
import io.stoq.ledger.tx.Transaction;
import java.nio.charset.StandardCharsets;

/**
 * What a chain's block headers commit to, named by the header's version byte. A chain's format is
 * fixed by its block 0 and every later block must carry the same one ({@code BlockRules}): a
 * stoq that knows a newer format keeps writing an existing chain in the format it was founded
 * with, so upgrading nodes one by one never mixes formats within a chain, and only a new chain
 * starts in {@link #CURRENT}. See docs/ledger.md, "Chain formats".
 */
public enum ChainFormat {
    /**
     * Header version 2: a tx's merkle leaf is {@code H(0x00 || its encoding)}; a state pair is
     * expanded to its 2,048-byte set-hash element by SHAKE256.
     */
    V2(2),
    /**
     * Header version 3: a tx's merkle leaf is {@code H(0x00 || tx id)} (the id is already the
     * SHA3-256 of the encoding, so the leaf no longer hashes the ~5 KB tx a second time); a state
     * pair's element is the AES-256-CTR keystream (zero IV) under the SHA3-256 of the pair, as
     * BLAKE2X expands one root hash: 2.5-3.7x faster than 2,048 bytes of SHAKE256 (docs/ledger.md).
     */
    V3(3);

    /** The format a new chain is founded in. */
    public static final ChainFormat CURRENT = V3;

    private final int headerVersion;
    /** What a header's signature covers first: {@code "stoq.ledger.block.v<version>\0"}. */
    private final byte[] signingTag;

    ChainFormat(int headerVersion) {
        this.headerVersion = headerVersion;
        this.signingTag = ("stoq.ledger.block.v" + headerVersion + "\0").getBytes(StandardCharsets.US_ASCII);
    }

    /** The version byte a header of this format starts with. */
    public int headerVersion() {
        return headerVersion;
    }

    /** The domain tag a header of this format signs before the network id (a copy). */
    byte[] signingTag() {
        return signingTag.clone();
    }

    /** The format of a header that starts with {@code version}, or null when this stoq does not know it. */
    public static ChainFormat ofHeaderVersion(int version) {
        for (ChainFormat f : values()) {
            if (f.headerVersion == version) {
                return f;
            }
        }
        return null;
    }

    /** The RFC 6962 merkle leaf hash of {@code tx} in a block of this format. */
    public Hash256 leaf(Transaction tx) {
        return this == V2 ? tx.encodingLeafHash() : MerkleHash.leaf(tx.id().toBytes());
    }

    /**
     * Computes now, on the calling (verifier) thread, what {@link #leaf(Transaction)} will need
     * later on the committing thread: the V2 leaf hashes the whole encoding and is cached on the tx.
     */
    public void warmLeaf(Transaction tx) {
        if (this == V2) {
            tx.encodingLeafHash();
        }
    }
}
