package io.stoq.fragmint;

import io.stoq.fragmint.http.ApiServerConfig;

/**
 * {@link HttpFuzzContract} against the test double: up to 80 seeded cases per operation (about
 * 2,300 requests). Rate limits are raised so every request reaches the code under test.
 */
class HttpFuzzTest extends HttpFuzzContract {

    @Override
    protected ContractServer startServer() throws Exception {
        return new TestServer(ApiServerConfig.defaults().withPorts(0, -1).withRates(1_000_000, 1_000_000, 1_000_000));
    }

    @Override
    protected int casesPerOperation() {
        return 80;
    }
}
