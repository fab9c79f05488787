package io.stoq.net.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.net.LeakGuard;
import io.stoq.net.LocalIdentity;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.NetFixture;
import io.stoq.net.Revocations;
import io.stoq.net.handshake.PeerVerifier;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed node records: the canonical encoding round-trips; a record verifies only with its own
 * node's certificate and signature; the membership keeps the newest per node, is bounded, and
 * forgets revoked nodes.
 */
@ExtendWith(LeakGuard.class)
class NodeRecordTest {
    @TempDir
    static Path dir;
    static NetFixture net;
    static LocalIdentity a;
    static LocalIdentity b;
    Revocations revocations;
    PeerVerifier verifier;

    @BeforeAll
    static void makeNodes() throws Exception {
        net = new NetFixture(dir, "main");
        a = net.identity(net.issue("node-a"));
        b = net.identity(net.issue("node-b"));
    }

    @BeforeEach
    void setUp() {
        revocations = new Revocations();
        verifier = new PeerVerifier(net.ca.root(), net.networkId, revocations, Clock.systemUTC());
    }

    private static NodeRecord record(LocalIdentity id, long sequence, long free) {
        return new NodeRecord(id.nodeId(), id.identity().zone(), List.of(new InetSocketAddress("127.0.0.1", 7443),
                new InetSocketAddress("::1", 7444)), 1L << 40, free, id.identity().serial(), sequence, Instant.ofEpochMilli(1_700_000_000_000L));
    }

    @Test
    void aSignedRecordRoundTripsAndVerifies() throws Exception {
        SignedNodeRecord signed = SignedNodeRecord.sign(record(a, 5, 1L << 30), a);
        SignedNodeRecord back = SignedNodeRecord.decode(signed.encode());
        assertThat(back.record()).isEqualTo(signed.record());
        assertThat(back.verify(verifier).nodeId()).isEqualTo("node-a");
    }

    @Test
    void anAlteredRecordDoesNotVerify() throws Exception {
        SignedNodeRecord signed = SignedNodeRecord.sign(record(a, 5, 1L << 30), a);
        SignedNodeRecord altered = new SignedNodeRecord(record(a, 5, 1L << 39), signed.chain(), signed.signature());
        assertCode(altered, NetErrorCode.BAD_SIGNATURE);
    }

    @Test
    void aNodeCannotSpeakForAnother() throws Exception {
        // b signs a record naming a, and attaches its own chain: the record must be the certificate's node.
        SignedNodeRecord forged = new SignedNodeRecord(record(a, 9, 1), b.chain(), b.falconKey().sign(record(a, 9, 1).encode()));
        assertCode(forged, NetErrorCode.BAD_SIGNATURE);
        // ... or a's chain with b's signature.
        SignedNodeRecord borrowed = new SignedNodeRecord(record(a, 9, 1), a.chain(), b.falconKey().sign(record(a, 9, 1).encode()));
        assertCode(borrowed, NetErrorCode.BAD_SIGNATURE);
    }

    @Test
    void aRecordOfARevokedNodeIsRefused() throws Exception {
        revocations.revoke(a.identity().serial());
        assertCode(SignedNodeRecord.sign(record(a, 1, 1), a), NetErrorCode.REVOKED);
    }

    @Test
    void theMembershipKeepsTheNewestPerNodeWithinItsBound() throws Exception {
        Membership membership = new Membership(verifier, 2);
        assertThat(membership.offer(SignedNodeRecord.sign(record(a, 5, 1), a))).isEqualTo(Membership.Outcome.ADDED);
        assertThat(membership.offer(SignedNodeRecord.sign(record(a, 4, 2), a))).isEqualTo(Membership.Outcome.STALE);
        assertThat(membership.offer(SignedNodeRecord.sign(record(a, 6, 3), a))).isEqualTo(Membership.Outcome.UPDATED);
        assertThat(membership.get("node-a").orElseThrow().record().freeBytes()).isEqualTo(3);
        assertThat(membership.offer(SignedNodeRecord.sign(record(b, 1, 1), b))).isEqualTo(Membership.Outcome.ADDED);
        LocalIdentity c = net.identity(net.issue("node-c"));
        assertThat(membership.offer(SignedNodeRecord.sign(record(c, 1, 1), c))).isEqualTo(Membership.Outcome.FULL);
        assertThat(membership.size()).isEqualTo(2);

        revocations.revoke(b.identity().serial());
        membership.revoked(b.identity().serial());
        assertThat(membership.get("node-b")).isEmpty();
    }

    @Test
    void malformedRecordsAreRefusedAsBadRequests() {
        assertThatThrownBy(() -> SignedNodeRecord.decode(new byte[] {0, 0, 0, 9, 1}))
                .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.BAD_REQUEST));
        assertThatThrownBy(() -> NodeRecord.decode("stoq.node-record.v1\0".getBytes()))
                .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.BAD_REQUEST));
    }

    private void assertCode(SignedNodeRecord record, NetErrorCode code) {
        assertThatThrownBy(() -> record.verify(verifier))
                .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(code));
    }
}
