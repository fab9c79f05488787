package io.stoq.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.NodeKeys;
import java.nio.file.Path;
import java.security.interfaces.ECPublicKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A node refuses to start with keys its certificate does not bind; a good identity gets its QUIC certificate. */
@ExtendWith(LeakGuard.class)
class LocalIdentityTest {
    @TempDir
    Path dir;

    @Test
    void aCertificateForOtherKeysIsRefusedAtStart() throws Exception {
        NetFixture net = new NetFixture(dir, "main");
        NetFixture.Node node = net.issue("node-a");
        LocalIdentity good = net.identity(node);
        assertThat(good.tlsCertificate().getPublicKey()).isEqualTo(node.keys().tls().getPublic()).isInstanceOf(ECPublicKey.class);

        NodeKeys other = NodeKeys.generate();
        assertThatThrownBy(() -> LocalIdentity.of(other, node.chain(), net.ca.root(), net.networkId))
                .isInstanceOfSatisfying(CryptoException.class, e -> assertThat(e.code()).isEqualTo(CryptoErrorCode.CERTIFICATE_REJECTED));
        NodeKeys mixed = new NodeKeys(other.falcon(), node.keys().tls(), node.keys().kem(), node.keys().slhDsa());
        assertThatThrownBy(() -> LocalIdentity.of(mixed, node.chain(), net.ca.root(), net.networkId))
                .isInstanceOfSatisfying(CryptoException.class, e -> assertThat(e.code()).isEqualTo(CryptoErrorCode.CERTIFICATE_REJECTED));
    }
}
