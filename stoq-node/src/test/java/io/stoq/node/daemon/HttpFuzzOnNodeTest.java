package io.stoq.node.daemon;

import io.stoq.fragmint.ContractServer;
import io.stoq.fragmint.HttpFuzzContract;

/**
 * fragmint-api's {@link HttpFuzzContract} against a real in-process {@link StoqNode}: a smaller
 * seeded sample (12 malformed requests per operation of the served document, about 450 in all)
 * than on the test double, since every accepted upload here goes through the shard pipeline and
 * every denial into the RocksDB audit log.
 */
class HttpFuzzOnNodeTest extends HttpFuzzContract {

    @Override
    protected ContractServer startServer() throws Exception {
        return new OpenApiContractOnNodeTest.NodeUnderContract(new TestNode());
    }

    @Override
    protected int casesPerOperation() {
        return 12;
    }
}
