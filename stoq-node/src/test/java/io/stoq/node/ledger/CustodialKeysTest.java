package io.stoq.node.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.daemon.DevIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A missing custodial key is an error, never a new key: a new key would be another ledger
 * identity, and the account's assets would silently be out of its reach. Only a genuinely new
 * account gets a key. Real key files, a real ledger with the dev identity.
 */
@Timeout(120)
class CustodialKeysTest {
    @TempDir
    Path dir;

    private Path accounts() {
        return dir.resolve("accounts");
    }

    private LedgerService start() throws Exception {
        DevIdentity.ensure(dir);
        NodeKeys keys = NodeKeys.load(dir.resolve("node"), null);
        List<X509Certificate> chain = PemFiles.readCertificates(dir.resolve("node/node.crt.pem"));
        X509Certificate root = PemFiles.readCertificate(dir.resolve("ca/root.crt.pem"));
        return LedgerService.start(dir.resolve("ledger"), CustodialKeys.open(accounts()),
                new io.stoq.node.NodeCredentials(keys, chain, root, dir.resolve("ca/crl.pem")), Clock.systemUTC(), new LedgerService.Settings("test", Duration.ofMillis(5), 1000, Duration.ofMinutes(2)));
    }

    /** Gives {@code account} a ledger identity: its first tx registers its key on the ledger. */
    private static Hash256 useOnLedger(LedgerService s, String account) throws Exception {
        SigningKey k = s.keys().keyOf(account);
        Hash256 id = Hash256.of(SecureRandoms.bytes(32));
        s.commit(k, List.of(), new TxBody.AssetCreate(id, "a", id, new byte[0], 1, AssetPolicy.ANY_HOLDER));
        assertThat(s.ledger().state().account(k.verifyingKey().fingerprint())).isNotNull();
        return k.verifyingKey().fingerprint();
    }

    @Test
    void aGenuinelyNewAccountGetsAKeyThatStaysItsKey() throws Exception {
        Hash256 id;
        try (LedgerService s = start()) {
            id = useOnLedger(s, "newcomer");
        }
        try (LedgerService s = start()) {
            assertThat(s.keys().ledgerIdOf("newcomer")).isEqualTo(id);
            assertThat(s.keys().accountOf(id)).contains("newcomer");
        }
    }

    @Test
    void bothKeyFilesLostWhileTheNodeWasDownStopTheStart() throws Exception {
        try (LedgerService s = start()) {
            useOnLedger(s, "alice");
            useOnLedger(s, "bob");
        }
        Files.delete(accounts().resolve("acct-alice.key.pem"));
        Files.delete(accounts().resolve("acct-alice.pub.pem"));
        assertThatThrownBy(this::start).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.code()).isEqualTo(NodeErrorCode.CORRUPT_DATA);
            assertThat(e.getMessage()).contains("1 custodial account(s) whose keys are missing").contains(accounts().toString());
        });
        assertThat(accounts().resolve("acct-alice.key.pem")).doesNotExist(); // and no replacement was made
    }

    @Test
    void aPrivateKeyLostBesideItsPublicKeyIsRefusedAtOpen() throws Exception {
        try (LedgerService s = start()) {
            useOnLedger(s, "carol");
        }
        Files.delete(accounts().resolve("acct-carol.key.pem"));
        assertThatThrownBy(() -> CustodialKeys.open(accounts())).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.code()).isEqualTo(NodeErrorCode.CORRUPT_DATA);
            assertThat(e.getMessage()).contains("acct-carol.key.pem").contains("is missing");
        });
    }

    @Test
    void aKeyThatVanishesWhileTheNodeRunsIsAnErrorNotANewKey() throws Exception {
        try (LedgerService s = start()) {
            useOnLedger(s, "dave");
        }
        CustodialKeys keys = CustodialKeys.open(accounts()); // dave's files are here at open
        Files.delete(accounts().resolve("acct-dave.key.pem"));
        Files.delete(accounts().resolve("acct-dave.pub.pem"));
        assertThatThrownBy(() -> keys.keyOf("dave")).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.code()).isEqualTo(NodeErrorCode.CORRUPT_DATA);
            assertThat(e.getMessage()).contains("acct-dave");
        });
        assertThat(accounts().resolve("acct-dave.pub.pem")).doesNotExist();
    }

    @Test
    void theOperatorKeyIsMadeOnlyForANewLedger() throws Exception {
        try (LedgerService s = start()) {
            assertThat(s.ledger().height()).isEqualTo(1);
        }
        byte[] original = Files.readAllBytes(accounts().resolve("operator.key.pem"));
        byte[] originalPub = Files.readAllBytes(accounts().resolve("operator.pub.pem"));
        Files.delete(accounts().resolve("operator.key.pem"));
        Files.delete(accounts().resolve("operator.pub.pem"));
        assertThatThrownBy(this::start).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.code()).isEqualTo(NodeErrorCode.CORRUPT_DATA);
            assertThat(e.getMessage()).contains("operator").contains("is missing");
        });
        // Someone else's key in its place: not this ledger's admin.
        SigningKey stranger = SigningKey.generate(io.stoq.crypto.sign.SignatureAlgorithm.ML_DSA_65);
        PemFiles.writePrivateKey(accounts().resolve("operator.key.pem"), stranger.privateKey(), null);
        PemFiles.writePublicKey(accounts().resolve("operator.pub.pem"), stranger.publicKey());
        assertThatThrownBy(this::start).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.code()).isEqualTo(NodeErrorCode.CORRUPT_DATA);
            assertThat(e.getMessage()).contains("is not the key this ledger was created with");
        });
        Files.write(accounts().resolve("operator.key.pem"), original);
        Files.write(accounts().resolve("operator.pub.pem"), originalPub);
        try (LedgerService s = start()) {
            assertThat(s.ledger().height()).isEqualTo(1);
        }
    }
}
