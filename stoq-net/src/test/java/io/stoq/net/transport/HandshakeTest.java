package io.stoq.net.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stoq.crypto.ca.CertificateIssuer;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.net.AuthenticatedPeer;
import io.stoq.net.LeakGuard;
import io.stoq.net.LocalIdentity;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.NetFixture;
import io.stoq.net.PeerConnection;
import io.stoq.net.Reply;
import io.stoq.net.Revocations;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The STOQ handshake over real QUIC on loopback with real Falcon certificates: the good pair is
 * accepted both ways and handlers see who called; each bad credential is refused with its own
 * code, which the dialling side receives, and the refusing side counts.
 */
@ExtendWith(LeakGuard.class)
class HandshakeTest {
    private static final MessageType WHO = new MessageType(0x100, "who-am-i");

    @TempDir
    static Path dir;
    static NetFixture net;
    static NetFixture.Node alpha;
    StoqTransport server;
    Revocations serverRevocations;

    @BeforeAll
    static void makeCa() throws Exception {
        net = new NetFixture(dir, "main");
        alpha = net.issue("node-a");
    }

    @BeforeEach
    void setUp() throws Exception {
        serverRevocations = new Revocations();
        server = net.builder(net.identity(alpha)).revocations(serverRevocations)
                .handle(WHO, (request, responder) -> {
                    AuthenticatedPeer peer = request.peer();
                    responder.reply((peer.nodeId() + "|" + peer.zone() + "|" + peer.serial().toString(16) + "|"
                            + peer.roles().contains(NodeRole.VOTER)).getBytes(StandardCharsets.UTF_8));
                })
                .start();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private StoqTransport client(LocalIdentity identity) throws NetException {
        return net.builder(identity).start();
    }

    @Test
    void theGoodPairIsAcceptedAndHandlersSeeTheCallersIdentity() throws Exception {
        NetFixture.Node beta = net.issue("node-b");
        try (StoqTransport client = client(net.identity(beta))) {
            PeerConnection connection = client.connect(server.localAddress());
            assertThat(connection.peer().nodeId()).isEqualTo("node-a");
            assertThat(connection.peer().serial()).isEqualTo(alpha.serial());
            try (Reply reply = connection.call(WHO, new byte[0])) {
                assertThat(new String(reply.meta(), StandardCharsets.UTF_8))
                        .isEqualTo("node-b|zone-b|" + beta.serial().toString(16) + "|true");
            }
            try (Reply reply = connection.call(MessageType.PING, new byte[] {1, 2, 3})) {
                assertThat(reply.meta()).containsExactly(1, 2, 3);
            }
            assertThat(client.connect(server.localAddress())).as("an open connection is reused").isSameAs(connection);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.peers().size() == 1);
            assertThat(server.peers().get(0).nodeId()).isEqualTo("node-b");
            assertThat(server.metrics().snapshot().handshakes()).isEqualTo(1);
        }
    }

    @Test
    void aCertificateFromAnotherCaIsRefused() throws Exception {
        NetFixture other = new NetFixture(dir, "other");
        NetFixture.Node stranger = other.issue("node-x");
        // Same network id and the other CA's root as its own: only the chain differs.
        LocalIdentity identity = other.unchecked(stranger, other.ca.root(), net.networkId);
        try (StoqTransport client = client(identity)) {
            assertRefused(client, NetErrorCode.CHAIN_REJECTED);
        }
        assertCounted(NetErrorCode.CHAIN_REJECTED);
    }

    @Test
    void aRevokedCertificateIsRefused() throws Exception {
        NetFixture.Node beta = net.issue("node-b");
        net.ca.revoke(beta.serial(), CertificateIssuer.RevocationReason.KEY_COMPROMISE);
        serverRevocations.apply(io.stoq.crypto.keys.PemFiles.readCrl(net.ca.crlFile()), net.ca.intermediate(), Instant.now());
        try (StoqTransport client = client(net.identity(beta))) {
            assertRefused(client, NetErrorCode.REVOKED);
        }
        assertCounted(NetErrorCode.REVOKED);
    }

    @Test
    void aTlsKeyThatItsFalconCertificateDoesNotBindIsRefused() throws Exception {
        NetFixture.Node beta = net.issue("node-b");
        LocalIdentity impostor = net.withTlsKey(beta, NodeKeys.generate().tls());
        try (StoqTransport client = client(impostor)) {
            assertRefused(client, NetErrorCode.TLS_KEY_MISMATCH);
        }
        assertCounted(NetErrorCode.TLS_KEY_MISMATCH);
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        net.clock.set(Instant.now().minus(Duration.ofDays(40)));
        NetFixture.Node old = net.issue("node-b", Duration.ofDays(30));
        net.clock.set(Instant.now());
        try (StoqTransport client = client(net.unchecked(old, net.ca.root(), net.networkId))) {
            assertRefused(client, NetErrorCode.CERT_EXPIRED);
        }
        assertCounted(NetErrorCode.CERT_EXPIRED);
    }

    @Test
    void aPeerOfAnotherNetworkIsRefused() throws Exception {
        NetFixture.Node beta = net.issue("node-b");
        LocalIdentity identity = net.unchecked(beta, net.ca.root(), io.stoq.crypto.hash.Sha3.hash(new byte[] {42}));
        try (StoqTransport client = client(identity)) {
            assertRefused(client, NetErrorCode.WRONG_NETWORK);
        }
    }

    @Test
    void theClientRefusesAServerWhoseCertificateIsRevoked() throws Exception {
        NetFixture.Node beta = net.issue("node-b");
        Revocations clientRevocations = new Revocations();
        clientRevocations.revoke(alpha.serial());
        try (StoqTransport client = net.builder(net.identity(beta)).revocations(clientRevocations).start()) {
            assertThatThrownBy(() -> client.connect(server.localAddress()))
                    .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.REVOKED));
            assertThat(client.metrics().snapshot().refused(NetErrorCode.REVOKED)).isEqualTo(1);
            // The server learns why from the close code (it counts nothing of its own: it refused nobody).
            await().atMost(Duration.ofSeconds(5)).until(() -> server.connectionCount() == 0);
        }
    }

    @Test
    void aLiveConnectionIsClosedWhenItsPeerIsRevoked() throws Exception {
        NetFixture.Node beta = net.issue("node-b");
        try (StoqTransport client = client(net.identity(beta))) {
            PeerConnection connection = client.connect(server.localAddress());
            connection.call(MessageType.PING, new byte[0]).close();
            serverRevocations.revoke(beta.serial());
            await().atMost(Duration.ofSeconds(5)).until(() -> !connection.isOpen());
            assertThatThrownBy(() -> connection.call(MessageType.PING, new byte[0]))
                    .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.REVOKED));
            assertThat(server.connections()).isEmpty();
            assertCounted(NetErrorCode.REVOKED);
            // And it cannot come back.
            assertRefused(client, NetErrorCode.REVOKED);
        }
    }

    @Test
    void revokingTheIntermediateRefusesEveryNodeItIssued() throws Exception {
        NetFixture.Node beta = net.issue("node-b");
        try (StoqTransport client = client(net.identity(beta))) {
            PeerConnection connection = client.connect(server.localAddress());
            serverRevocations.revoke(net.ca.intermediate().getSerialNumber());
            await().atMost(Duration.ofSeconds(5)).until(() -> !connection.isOpen());
            assertRefused(client, NetErrorCode.REVOKED);
        }
    }

    private void assertRefused(StoqTransport client, NetErrorCode code) {
        AtomicReference<NetException> failure = new AtomicReference<>();
        assertThatThrownBy(() -> client.dial(server.localAddress()))
                .isInstanceOfSatisfying(NetException.class, e -> failure.set(e));
        assertThat(failure.get().code()).as(failure.get().getMessage()).isEqualTo(code);
        assertThat(server.connections()).isEmpty();
    }

    private void assertCounted(NetErrorCode code) {
        await().atMost(Duration.ofSeconds(5)).until(() -> server.metrics().snapshot().refused(code) >= 1);
    }
}
