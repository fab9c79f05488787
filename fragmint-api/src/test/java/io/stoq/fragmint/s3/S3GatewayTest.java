package io.stoq.fragmint.s3;

/** {@link S3Contract} over the in-memory node: the gateway's own logic, fast. */
class S3GatewayTest extends S3Contract {
    @Override
    protected Gateway startGateway() throws Exception {
        return new S3TestGateway();
    }
}
