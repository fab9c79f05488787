package io.stoq.fragmint.port;

import java.time.Instant;

/**
 * A live read grant: the asset's owner let another account read it (content, metadata, history,
 * proof). Grants are ledger transactions; a change of owner ends them all (the new owner decides).
 *
 * @param assetId the asset
 * @param account the account that may read it
 * @param grantedBy the account that made the grant (the owner at the time)
 * @param blockHeight ledger block holding the grant
 * @param grantedAt commit time of that block
 */
public record AssetGrant(String assetId, String account, String grantedBy, long blockHeight, Instant grantedAt) {}
