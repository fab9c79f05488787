package io.stoq.node.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.ca.CertificateAuthority;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeCsr;
import io.stoq.crypto.ca.NodeIdentityExtension;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.daemon.DevIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A single node proposes every block, and only voters propose: its certificate must grant the voter role. */
class VoterRoleTest {
    @TempDir
    Path dir;

    private List<X509Certificate> storageOnlyChain(NodeKeys keys) throws Exception {
        CertificateAuthority ca = CertificateAuthority.open(dir.resolve("ca"), null, Clock.systemUTC());
        NodeClaims claims = NodeClaims.of("dev-node", "dev", Set.of(NodeRole.STORAGE, NodeRole.GATEWAY), keys.tls().getPublic(),
                keys.kem().getPublic());
        return ca.issue(NodeCsr.create(keys.falcon(), claims), Duration.ofDays(30));
    }

    @Test
    void aNodeWithoutTheVoterRoleRefusesToStartItsLedger() throws Exception {
        DevIdentity.ensure(dir);
        NodeKeys keys = NodeKeys.load(dir.resolve("node"), null);
        List<X509Certificate> chain = storageOnlyChain(keys);
        X509Certificate root = PemFiles.readCertificate(dir.resolve("ca/root.crt.pem"));
        assertThatThrownBy(() -> LedgerService.start(dir.resolve("ledger"), CustodialKeys.open(dir.resolve("accounts")),
                new io.stoq.node.NodeCredentials(keys, chain, root, dir.resolve("ca/crl.pem")), Clock.systemUTC(), new LedgerService.Settings("test", Duration.ofMillis(5), 100, Duration.ofMinutes(2))))
                .isInstanceOfSatisfying(NodeException.class, e -> {
                    assertThat(e.code()).isEqualTo(NodeErrorCode.BAD_CONFIG);
                    assertThat(e.getMessage()).contains("node dev-node's certificate does not grant the voter role (it grants gateway,storage)")
                            .contains("stoq node csr --roles storage,voter,gateway");
                });
        assertThat(dir.resolve("ledger")).doesNotExist();
    }

    @Test
    void theDevIdentityIsReissuedWithTheVoterRole() throws Exception {
        DevIdentity.ensure(dir);
        NodeKeys keys = NodeKeys.load(dir.resolve("node"), null);
        Path certFile = dir.resolve("node/node.crt.pem");
        PemFiles.writeCertificates(certFile, storageOnlyChain(keys));
        assertThat(NodeIdentityExtension.from(PemFiles.readCertificates(certFile).get(0)).roles()).doesNotContain(NodeRole.VOTER);

        DevIdentity.Result again = DevIdentity.ensure(dir);
        assertThat(again.created()).isTrue();
        assertThat(again.identity().roles()).contains(NodeRole.VOTER);
        assertThat(NodeIdentityExtension.from(PemFiles.readCertificates(certFile).get(0)).roles()).contains(NodeRole.VOTER);
        assertThat(Files.exists(dir.resolve("ca/crl.pem"))).isTrue();
    }
}
