package io.stoq.fragmint;

/** The {@link AccessContract} against the in-memory test double ({@link TestServer}). */
class AccessContractTest extends AccessContract {

    @Override
    protected ContractServer startServer() throws Exception {
        return new TestServer();
    }
}
