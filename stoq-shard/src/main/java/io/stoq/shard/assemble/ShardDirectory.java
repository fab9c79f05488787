package io.stoq.shard.assemble;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.crypto.merkle.InclusionProof;
import io.stoq.crypto.merkle.MerkleTree;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.codec.EncodedShard;
import io.stoq.shard.codec.ShardEntry;
import io.stoq.shard.codec.ShardSink;
import io.stoq.shard.manifest.SignedManifest;
import io.stoq.shard.merkle.ProofCodec;
import io.stoq.shard.merkle.ShardMerkle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * An encoded asset on a local file system, the layout {@code stoq shard encode} writes:
 * <pre>
 *   DIR/manifest.stoq            the signed manifest (written last, atomically: its presence means complete)
 *   DIR/shards/&lt;sha3-hex&gt;.shard  stored shard bytes, named by their hash (content addressed)
 *   DIR/proofs/&lt;index&gt;.proof    the shard's inclusion proof (canonical encoding)
 * </pre>
 * It is both the sink the encoder writes to and a {@link ShardSource} for reassembly.
 */
public final class ShardDirectory implements ShardSink, ShardSource {
    public static final String MANIFEST = "manifest.stoq";
    private final Path dir;

    public ShardDirectory(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Creates the directory for a new encode; refuses one that already holds a manifest. */
    public static ShardDirectory create(Path dir) throws ShardException {
        try {
            if (Files.exists(dir.resolve(MANIFEST))) {
                throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, dir + " already holds an encoded asset");
            }
            Files.createDirectories(dir.resolve("shards"));
            Files.createDirectories(dir.resolve("proofs"));
            return new ShardDirectory(dir);
        } catch (IOException e) {
            throw new ShardException(ShardErrorCode.IO_ERROR, "cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void accept(EncodedShard shard) throws IOException {
        if (shard.reused()) {
            return; // a repeat of an earlier chunk of this file: its shard file is already written
        }
        Files.write(shardPath(shard.hash().toHex()), shard.stored());
    }

    /** Writes every proof, then the manifest (atomically, fsynced) to mark the encode complete. */
    public void finish(SignedManifest manifest) throws ShardException {
        MerkleTree tree = ShardMerkle.treeOf(manifest.manifest().shards());
        try {
            for (int i = 0; i < tree.size(); i++) {
                Files.write(proofPath(i), ProofCodec.encode(tree.proof(i)));
            }
            SecureFiles.writePublic(dir.resolve(MANIFEST), manifest.encoded());
        } catch (IOException | CryptoException e) {
            throw new ShardException(ShardErrorCode.IO_ERROR, "cannot write to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Reads and parses (but does not verify) the manifest. */
    public SignedManifest readManifest() throws ShardException {
        try {
            return SignedManifest.decode(Files.readAllBytes(dir.resolve(MANIFEST)));
        } catch (NoSuchFileException e) {
            throw new ShardException(ShardErrorCode.MALFORMED_MANIFEST, "no manifest in " + dir
                    + " (not an encoded asset, or the encode did not finish)");
        } catch (IOException e) {
            throw new ShardException(ShardErrorCode.IO_ERROR, "cannot read the manifest in " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public FetchedShard fetch(int index, ShardEntry entry) throws IOException, ShardException {
        Path shard = shardPath(entry.hash().toHex());
        if (!Files.exists(shard)) {
            return null;
        }
        Path proofFile = proofPath(index);
        if (!Files.exists(proofFile)) {
            throw new ShardException(ShardErrorCode.PROOF_INVALID, "inclusion proof for shard " + index + " is missing (" + proofFile + ")");
        }
        InclusionProof proof;
        try {
            proof = ProofCodec.decode(Files.readAllBytes(proofFile));
        } catch (ShardException e) {
            throw new ShardException(e.code(), "shard " + index + ": " + e.getMessage() + " (" + proofFile + ")");
        }
        return new FetchedShard(Files.readAllBytes(shard), proof);
    }

    public Path shardPath(String hashHex) {
        return dir.resolve("shards").resolve(hashHex + ".shard");
    }

    public Path proofPath(int index) {
        return dir.resolve("proofs").resolve(index + ".proof");
    }
}
