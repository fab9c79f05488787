package io.stoq.fragmint;

/** {@link HttpConformanceContract} against the in-memory test double ({@link TestServer}). */
class HttpConformanceTest extends HttpConformanceContract {

    @Override
    protected ContractServer startServer() throws Exception {
        return new TestServer();
    }
}
