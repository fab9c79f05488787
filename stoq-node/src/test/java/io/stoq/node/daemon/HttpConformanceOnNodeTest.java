package io.stoq.node.daemon;

import io.stoq.fragmint.ContractServer;
import io.stoq.fragmint.HttpConformanceContract;

/**
 * fragmint-api's {@link HttpConformanceContract} (issue 10: answers to malformed HTTP, keep-alive
 * and pipelining, WebSocket handshakes, JSON errors in user terms, exact integers, answers that
 * match the document, download headers) against a real in-process {@link StoqNode}: the same
 * assertions as on the test double, with the node's RocksDB accounts, shard store and ledger
 * behind them.
 */
class HttpConformanceOnNodeTest extends HttpConformanceContract {

    @Override
    protected ContractServer startServer() throws Exception {
        return new OpenApiContractOnNodeTest.NodeUnderContract(new TestNode());
    }
}
