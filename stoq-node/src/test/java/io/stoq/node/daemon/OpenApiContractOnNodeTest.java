package io.stoq.node.daemon;

import io.stoq.crypto.sign.SigningKey;
import io.stoq.fragmint.ContractServer;
import io.stoq.fragmint.OpenApiContract;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.auth.Totp;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.TotpSecret;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.ledger.LedgerService;
import java.time.Instant;
import java.util.List;

/**
 * fragmint-api's {@link OpenApiContract} (every documented route answers as documented, refuses a
 * missing or wrong credential, a missing role and a missing TOTP) against a real in-process
 * {@link StoqNode}: RocksDB accounts and audit, the shard store and the ledger, on 127.0.0.1 with
 * an ephemeral port in a temp directory. The same assertions as on the test double, not a copy.
 */
class OpenApiContractOnNodeTest extends OpenApiContract {

    @Override
    protected ContractServer startServer() throws Exception {
        return new NodeUnderContract(new TestNode());
    }

    /**
     * {@link TestNode} plus what the contract's fixtures need: an auditor (audrey), an operator
     * (otto), a TOTP secret for the dev admin, and 1000 network tokens for alice, sent from the
     * operator's supply in a real ledger transaction.
     */
    static final class NodeUnderContract implements ContractServer {
        private final TestNode t;

        NodeUnderContract(TestNode t) throws Exception {
            this.t = t;
            try {
                AccountStore store = accounts();
                for (Object[] a : new Object[][] {{"audrey", Role.AUDITOR}, {"otto", Role.OPERATOR}}) {
                    String id = (String) a[0];
                    store.create(id, (Role) a[1], id);
                    ApiKeys.Issued k = ApiKeys.issue(id, "test", now(), null);
                    store.addApiKey(k.stored());
                    t.keys.put(id, k.plaintext());
                    TotpSecret s = Totp.newSecret();
                    store.setTotpSecret(id, s);
                    t.secrets.put(id, s);
                }
                TotpSecret admin = Totp.newSecret();
                store.setTotpSecret("admin", admin);
                t.secrets.put("admin", admin);
                LedgerService ledger = t.node.ledger();
                SigningKey alice = ledger.keys().keyOf("alice");
                ledger.commit(ledger.keys().operatorKey(false), List.of(alice),
                        new TxBody.TokenTransfer(LedgerService.NETWORK_TOKEN, alice.verifyingKey().fingerprint(), 1000));
            } catch (Exception e) {
                t.close();
                throw e;
            }
        }

        @Override
        public int port() {
            return t.node.port();
        }

        @Override
        public int routeCount() {
            return t.node.server().routes().routes().size();
        }

        @Override
        public AccountStore accounts() {
            return t.node.accounts().accounts();
        }

        @Override
        public Instant now() {
            return t.clock.instant();
        }

        @Override
        public String key(String account) {
            return t.keys.get(account);
        }

        @Override
        public String totp(String account) {
            return t.totp(account);
        }

        @Override
        public String nodeId() {
            return t.node.identity().nodeId();
        }

        @Override
        public void close() throws Exception {
            t.close();
        }
    }
}
