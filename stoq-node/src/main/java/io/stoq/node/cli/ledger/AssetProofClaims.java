package io.stoq.node.cli.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.proof.ProofBundle;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.assets.AssetMeta;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The claims of an asset proof as {@code GET /v1/assets/{id}/proof} and {@code stoq asset proof
 * --json} print them (fragmint-api's {@code AssetProof}), and the check that the bundle inside
 * says the same: a verified bundle only proves its tx, so every field a reader would trust (asset
 * id, version, merkle root, manifest hash, tx id, block height and hash, path) must come from it.
 *
 * @param json the parsed proof object
 * @param bundle the decoded {@code bundle} field (base64 of the binary bundle)
 */
record AssetProofClaims(JsonNode json, ProofBundle bundle) {
    private static final String[] FIELDS = {"assetId", "version", "merkleRoot", "manifestHash", "txId", "blockHeight", "blockHash",
        "inclusionPath", "bundle"};

    /** Parses the proof object; MALFORMED when it is not one (a field missing or of the wrong kind). */
    static AssetProofClaims parse(JsonNode json, String source) throws LedgerException {
        if (json == null || !json.isObject()) {
            throw malformed(source + " is neither a proof bundle nor a proof JSON object");
        }
        for (String field : FIELDS) {
            if (!json.hasNonNull(field)) {
                throw malformed(source + " is a JSON object without \"" + field + "\": not what `stoq asset proof --json` prints");
            }
        }
        if (!json.get("inclusionPath").isArray() || !json.get("version").canConvertToExactIntegral()
                || !json.get("blockHeight").canConvertToExactIntegral()) {
            throw malformed(source + ": \"inclusionPath\" must be an array, \"version\" and \"blockHeight\" integers");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(json.get("bundle").asText());
        } catch (IllegalArgumentException e) {
            throw malformed(source + ": \"bundle\" is not base64");
        }
        return new AssetProofClaims(json, ProofBundle.decode(bytes));
    }

    /** Fails with PROOF_INVALID naming the first claim that the (verified) tx and header do not back. */
    void check(Transaction tx, BlockHeader header) throws LedgerException {
        Hash256 assetId;
        long version;
        Hash256 merkleRoot;
        byte[] metadata;
        if (tx.body() instanceof TxBody.AssetCreate c) {
            assetId = c.assetId();
            version = 1;
            merkleRoot = c.manifestRoot();
            metadata = c.metadata();
        } else if (tx.body() instanceof TxBody.AssetUpdate u) {
            assetId = u.assetId();
            version = u.version();
            merkleRoot = u.manifestRoot();
            metadata = u.metadata();
        } else {
            throw invalid("the bundle's tx is a " + tx.type() + ", not an asset version (ASSET_CREATE or ASSET_UPDATE)");
        }
        AssetMeta meta = AssetMeta.decode(metadata);
        same("assetId", text("assetId"), assetId.toHex());
        same("version", Long.toString(json.get("version").asLong()), Long.toString(version));
        same("merkleRoot", text("merkleRoot"), merkleRoot.toHex());
        same("manifestHash", text("manifestHash"), meta == null ? "(none: the tx's metadata is not a stoq node's)" : meta.manifest());
        same("txId", text("txId"), tx.id().toHex());
        same("blockHeight", Long.toString(json.get("blockHeight").asLong()), Long.toString(header.height()));
        same("blockHash", text("blockHash"), Sha3.hash(bundle.header()).toHex());
        List<String> path = new ArrayList<>();
        json.get("inclusionPath").forEach(p -> path.add(p.asText()));
        same("inclusionPath", String.join(",", path), String.join(",", bundle.inclusion().path().stream().map(Hash256::toHex).toList()));
    }

    String assetId() {
        return text("assetId");
    }

    long version() {
        return json.get("version").asLong();
    }

    String merkleRoot() {
        return text("merkleRoot");
    }

    /**
     * What the manifest hash of a verified asset-version tx is the hash of: {@code "body"} (the
     * manifest without its seal, sealed after the commit) or {@code "signed manifest"} (seal
     * included, versions written before); see docs/ledger.md, "manifestHashOf".
     */
    static String manifestHashOf(Transaction tx) {
        byte[] metadata = tx.body() instanceof TxBody.AssetCreate c ? c.metadata()
                : tx.body() instanceof TxBody.AssetUpdate u ? u.metadata() : null;
        AssetMeta meta = metadata == null ? null : AssetMeta.decode(metadata);
        return meta != null && meta.namesBody() ? "body" : "signed manifest";
    }

    String manifestHash() {
        return text("manifestHash");
    }

    private String text(String field) {
        return json.get(field).asText();
    }

    private static void same(String field, String claimed, String proven) throws LedgerException {
        if (!claimed.equals(proven)) {
            throw invalid("the JSON's \"" + field + "\" is " + abbreviate(claimed) + " but the bundle proves " + abbreviate(proven));
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    private static LedgerException malformed(String why) {
        return new LedgerException(LedgerErrorCode.MALFORMED, why);
    }

    private static LedgerException invalid(String why) {
        return new LedgerException(LedgerErrorCode.PROOF_INVALID, "proof invalid: " + why);
    }
}
