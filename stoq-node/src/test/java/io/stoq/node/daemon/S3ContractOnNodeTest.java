package io.stoq.node.daemon;

import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.S3KeyStore;
import io.stoq.fragmint.s3.S3Contract;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * fragmint-api's {@link S3Contract} (every S3 operation through the AWS SDK v2, the error codes it
 * maps, presigned URLs, a 100 MiB multipart upload) against a real in-process {@link StoqNode}:
 * the shard pipeline, bucket and key names on the ledger, S3 keys sealed in the node database. The
 * same assertions as on the in-memory double, not a copy.
 */
class S3ContractOnNodeTest extends S3Contract {

    @Override
    protected Gateway startGateway() throws Exception {
        return new NodeGateway(new TestNode(Map.of("s3.enabled", "true", "s3.port", "0")));
    }

    /** {@link TestNode} with an auditor (audrey) and an S3 key for admin, alice, bob and audrey. */
    static final class NodeGateway implements Gateway {
        private final TestNode t;
        private final Map<String, S3KeyStore.S3Key> keys = new HashMap<>();

        NodeGateway(TestNode t) throws Exception {
            this.t = t;
            try {
                t.node.accounts().accounts().create("audrey", Role.AUDITOR, "audrey");
                for (String account : new String[] {"admin", "alice", "bob", "audrey"}) {
                    keys.put(account, t.node.accounts().s3Keys().create(account));
                }
            } catch (Exception e) {
                t.close();
                throw e;
            }
        }

        @Override
        public URI endpoint() {
            return t.node.s3Server().endpoint();
        }

        @Override
        public S3KeyStore.S3Key key(String account) {
            return keys.get(account);
        }

        @Override
        public void passTime(Duration d) {
            t.clock.advance(d);
        }

        /** Through FragMint REST, as the owner sees them. */
        @Override
        public long assetCount(String owner) throws Exception {
            var r = t.send(t.request("/v1/assets?owner=" + owner + "&limit=500", owner).build());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("listing " + owner + "'s assets: HTTP " + r.statusCode());
            }
            return TestNode.json(r).get("items").size();
        }

        @Override
        public void close() throws Exception {
            t.close();
        }
    }
}
