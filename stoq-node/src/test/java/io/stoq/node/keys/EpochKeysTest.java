package io.stoq.node.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.kem.KemAlgorithm;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.Ledger;
import io.stoq.ledger.store.Indexes;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.BlockContext;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.validate.TxRejectedException;
import io.stoq.ledger.validate.TxValidator;
import io.stoq.node.NodeCredentials;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.daemon.DevIdentity;
import io.stoq.node.ledger.CustodialKeys;
import io.stoq.node.ledger.LedgerService;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key epochs on the single-node writer (real RocksDB ledger, dev identity, real ML-KEM): genesis
 * makes epoch 1 sealed to the node; a ledger from before epochs gets epoch 1 once at start;
 * tampered or unauthorised KEY_EPOCH txs are refused by the ledger, and a share that opens to a
 * key not matching the epoch is refused by the node.
 */
class EpochKeysTest {
    @TempDir
    Path dir;

    private NodeCredentials credentials() throws Exception {
        DevIdentity.ensure(dir);
        NodeKeys keys = NodeKeys.load(dir.resolve("node"), null);
        List<X509Certificate> chain = PemFiles.readCertificates(dir.resolve("node/node.crt.pem"));
        X509Certificate root = PemFiles.readCertificate(dir.resolve("ca/root.crt.pem"));
        return new NodeCredentials(keys, chain, root, dir.resolve("ca/crl.pem"));
    }

    private LedgerService start(NodeCredentials node) throws Exception {
        return LedgerService.start(dir.resolve("ledger"), CustodialKeys.open(dir.resolve("accounts")), node, Clock.systemUTC(),
                new LedgerService.Settings("test", Duration.ofMillis(5), 1000, Duration.ofMinutes(1)));
    }

    private static String nodeId(NodeCredentials node) throws Exception {
        return io.stoq.crypto.ca.NodeIdentityExtension.from(node.chain().get(0)).nodeId();
    }

    @Test
    void genesisMakesEpochOneSealedToTheNodeAndNewKeysWrapToIt() throws Exception {
        NodeCredentials node = credentials();
        try (LedgerService s = start(node)) {
            EpochKeys epochs = new EpochKeys(s.reader(), nodeId(node), node.keys().kem());
            EpochKeys.Epoch e = epochs.current().orElseThrow();
            assertThat(e.number()).isEqualTo(1);
            assertThat(e.body().shares()).extracting(TxBody.NodeShare::nodeId).containsExactly(nodeId(node));
            assertThat(epochs.wrapKey().getEncoded()).isEqualTo(e.publicKey().getEncoded());
            assertThat(epochs.privateKey(e)).isNotNull();

            NetworkKeys.Rotation r = NetworkKeys.rotate(s, epochs, Map.of());
            assertThat(r.epoch()).isEqualTo(2);
            assertThat(r.members()).containsExactly(nodeId(node));
            assertThat(epochs.current().orElseThrow().number()).isEqualTo(2);
            assertThat(epochs.privateKey(epochs.epoch(1))).as("old epochs stay open").isNotNull();
        }
    }

    @Test
    void aLedgerFromBeforeEpochsGetsEpochOneOnceAtStart() throws Exception {
        NodeCredentials node = credentials();
        // the setup the node wrote before key epochs existed: genesis, node registered, network token
        SigningKey operator = CustodialKeys.open(dir.resolve("accounts")).operatorKey(true);
        try (Ledger old = Ledger.open(dir.resolve("ledger"))) {
            old.genesis(operator, "test", List.of(operator.publicKey().getEncoded()), node.root().getEncoded(),
                    java.time.Instant.now());
            List<byte[]> chain = new ArrayList<>();
            for (X509Certificate c : node.chain()) {
                chain.add(c.getEncoded());
            }
            old.commit(List.of(Transaction.sign(old.network(), operator, 2, new TxBody.NodeRegister(chain)),
                    Transaction.sign(old.network(), operator, 3, new TxBody.AssetCreate(LedgerService.NETWORK_TOKEN, "t",
                            LedgerService.NETWORK_TOKEN, new byte[0], 1, AssetPolicy.CREATOR_ONLY))), java.time.Instant.now(), operator);
        }
        try (LedgerService s = start(node)) {
            EpochKeys epochs = new EpochKeys(s.reader(), nodeId(node), node.keys().kem());
            assertThat(epochs.current()).isEmpty();
            assertThat(epochs.wrapKey().getEncoded()).as("until then: the node's own key, as before")
                    .isEqualTo(node.keys().kem().getPublic().getEncoded());
            NetworkKeys.ensureEpoch(s, epochs);
            NetworkKeys.ensureEpoch(s, epochs); // once
            assertThat(s.reader().state().currentEpoch()).isEqualTo(1);
            assertThat(s.reader().store().indexed(Indexes.KEY_EPOCHS, Indexes.KEY_EPOCH_SUBJECT)).hasSize(1);
            assertThat(epochs.wrapKey().getEncoded()).isEqualTo(epochs.current().orElseThrow().publicKey().getEncoded());
        }
    }

    @Test
    void tamperedOrUnauthorisedEpochTxsAreRefused() throws Exception {
        NodeCredentials node = credentials();
        try (LedgerService s = start(node)) {
            var store = s.reader().store();
            Transaction epochTx = store.tx(store.indexed(Indexes.KEY_EPOCHS, Indexes.KEY_EPOCH_SUBJECT).get(0)).tx();
            TxBody.KeyEpoch body = (TxBody.KeyEpoch) epochTx.body();
            // swap the epoch's public key for another, keeping the admin's signature: refused
            byte[] bytes = epochTx.encoded();
            int at = indexOf(bytes, body.publicKey());
            byte[] other = KemAlgorithm.ML_KEM_768.generateKeyPair().getPublic().getEncoded();
            System.arraycopy(other, 0, bytes, at, other.length);
            Transaction tampered = Transaction.decode(bytes);
            assertThatThrownBy(() -> TxValidator.check(s.reader().state(), tampered,
                    new BlockContext(s.reader().height() + 1, java.time.Instant.now()), false))
                    .isInstanceOfSatisfying(TxRejectedException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.BAD_SIGNATURE));

            // a well-signed epoch from a non-admin account: refused
            SigningKey member = s.keys().keyOf("mallory");
            s.commit(member, List.of(), new TxBody.AssetCreate(io.stoq.crypto.hash.Hash256.of(new byte[32]), "x",
                    io.stoq.crypto.hash.Hash256.of(new byte[32]), new byte[0], 1, AssetPolicy.ANY_HOLDER)); // registers mallory
            TxBody.KeyEpoch byMember = EpochKeys.newEpoch(2, Map.of(nodeId(node), node.keys().kem().getPublic()));
            assertThatThrownBy(() -> s.commit(member, List.of(), byMember))
                    .isInstanceOfSatisfying(TxRejectedException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.NOT_AUTHORIZED));

            // an admin epoch sealing a private key that is not the epoch's: committed, but the node refuses the share
            KeyPair a = KemAlgorithm.ML_KEM_768.generateKeyPair();
            KeyPair b = KemAlgorithm.ML_KEM_768.generateKeyPair();
            String id = nodeId(node);
            TxBody.KeyEpoch lying = new TxBody.KeyEpoch(2, KemAlgorithm.ML_KEM_768.id(), a.getPublic().getEncoded(),
                    List.of(new TxBody.NodeShare(id, EpochShare.seal(2, a.getPublic(), b.getPrivate(), id, node.keys().kem().getPublic()))));
            s.commit(s.keys().operatorKey(false), List.of(), lying);
            EpochKeys epochs = new EpochKeys(s.reader(), id, node.keys().kem());
            assertThatThrownBy(() -> epochs.privateKey(epochs.epoch(2)))
                    .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeErrorCode.CORRUPT_DATA));
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
