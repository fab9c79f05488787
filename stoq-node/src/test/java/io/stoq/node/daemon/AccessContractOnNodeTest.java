package io.stoq.node.daemon;

import io.stoq.fragmint.AccessContract;
import io.stoq.fragmint.ContractServer;

/**
 * fragmint-api's {@link AccessContract} (owners decide who reads: the reported finding, auditor,
 * admin audit, grants, per-asset event filtering, subscriptions ending on key revocation, expiry
 * and role change) against a real in-process {@link StoqNode}: the ledger's grants, RocksDB
 * accounts and audit log, the shard store, on 127.0.0.1 with an ephemeral port.
 */
class AccessContractOnNodeTest extends AccessContract {

    @Override
    protected ContractServer startServer() throws Exception {
        return new OpenApiContractOnNodeTest.NodeUnderContract(new TestNode());
    }
}
