package io.stoq.fragmint.port;

import java.util.List;

/**
 * Evidence that a version of an asset is committed on the ledger, checkable offline with the
 * network root certificate (DESIGN.md s.6 proof bundles).
 *
 * @param assetId the asset
 * @param version the version proved
 * @param merkleRoot hex merkle root of the version's shards
 * @param manifestHash hex SHA3-256 of the signed manifest
 * @param txId hex id of the ledger transaction that committed the version
 * @param blockHeight block holding the transaction
 * @param blockHash hex hash of that block's header
 * @param inclusionPath hex sibling hashes from the tx leaf to the block's tx root
 * @param bundle base64 of the binary proof bundle (network, tx, inclusion path, header, proposer and signer
 *     certificate chains, the CA's CRL; layout in docs/ledger.md), the only part a verifier trusts:
 *     {@code stoq ledger check-proof} checks every other field against it
 */
public record AssetProof(
        String assetId,
        long version,
        String merkleRoot,
        String manifestHash,
        String txId,
        long blockHeight,
        String blockHash,
        List<String> inclusionPath,
        String bundle) {
    public AssetProof {
        inclusionPath = List.copyOf(inclusionPath);
    }
}
