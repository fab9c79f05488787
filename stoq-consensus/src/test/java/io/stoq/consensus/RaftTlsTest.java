package io.stoq.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.ledger.Ledger;
import io.stoq.ledger.TestNetwork;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.validate.NodeCertificates;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManager;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.grpc.server.GrpcServerProtocolClient;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.util.ProtoUtils;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ratis traffic is mutual TLS whose trust decision is the STOQ identity check: a process with a
 * certificate from another CA, a revoked one, or a TLS key its Falcon certificate does not bind
 * cannot send the group an entry (a valid signed block, which a certified member then gets
 * accepted) nor take a member's place; each refusal is logged with its reason.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RaftTlsTest {
    @TempDir
    static Path dir;

    static RaftCluster c;

    @BeforeAll
    static void cluster() throws Exception {
        c = RaftCluster.start(dir, 3, 0, cfg -> cfg);
    }

    @AfterAll
    static void stop() {
        if (c != null) {
            c.close();
        }
    }

    private static List<X509Certificate> chain(TestNetwork ca, String id, NodeKeys keys) throws Exception {
        Instant now = Instant.now();
        return NodeCertificates.parseChain(ca.nodeChain(id, keys, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)),
                EnumSet.of(NodeRole.STORAGE, NodeRole.VOTER)));
    }

    private static RaftTls tls(KeyPair tlsKey, String id, List<X509Certificate> chain) throws Exception {
        return RaftTls.unchecked(tlsKey, id, chain, RaftCluster.LOOPBACK, c.verifier, why -> {});
    }

    @Test
    void theTrustCheckNamesWhatIsWrong() throws Exception {
        NodeKeys good = NodeKeys.generate();
        RaftTls genuine = tls(good.tls(), "n7", chain(c.net, "n7", good));
        assertThat(genuine.check(new X509Certificate[] {genuine.certificate()}).nodeId()).isEqualTo("n7");

        NodeKeys stranger = NodeKeys.generate();
        RaftTls foreign = tls(stranger.tls(), "n8", chain(new TestNetwork(), "n8", stranger));
        assertRefused(genuine, foreign, "CHAIN_REJECTED");

        NodeKeys other = NodeKeys.generate();
        RaftTls impostor = tls(other.tls(), "n7", chain(c.net, "n7", good));
        assertRefused(genuine, impostor, "TLS_KEY_MISMATCH");

        NodeKeys revokedKeys = NodeKeys.generate();
        List<X509Certificate> revokedChain = chain(c.net, "n6", revokedKeys);
        RaftTls revoked = tls(revokedKeys.tls(), "n6", revokedChain);
        c.revocations.revoke(revokedChain.get(0).getSerialNumber());
        assertRefused(genuine, revoked, "REVOKED");

        assertThatThrownBy(() -> genuine.check(new X509Certificate[0])).isInstanceOf(CertificateException.class);
    }

    private static void assertRefused(RaftTls judge, RaftTls presented, String code) {
        assertThatThrownBy(() -> judge.check(new X509Certificate[] {presented.certificate()}))
                .isInstanceOf(CertificateException.class).hasMessageContaining(code);
    }

    @Test
    void uncertifiedProcessesCannotAppend() throws Exception {
        RaftLedger leader = c.leader();
        // A valid next block, signed by the admin: only the connection decides whether it gets in.
        Ledger.Proposal next = leader.ledger().build(List.of(c.net.tx(c.net.admin, c.net.register(TestNetwork.newKey()))),
                Instant.now(), c.net.admin);
        Block block = next.block();
        long height = leader.ledger().height();

        NodeKeys stranger = NodeKeys.generate();
        NodeKeys revokedKeys = NodeKeys.generate();
        List<X509Certificate> revokedChain = chain(c.net, "r2", revokedKeys);
        c.revocations.revoke(revokedChain.get(0).getSerialNumber());
        NodeKeys genuine = NodeKeys.generate();
        List<RaftTls> rogues = List.of(tls(stranger.tls(), "r1", chain(new TestNetwork(), "r1", stranger)),
                tls(revokedKeys.tls(), "r2", revokedChain),
                tls(NodeKeys.generate().tls(), "r3", chain(c.net, "r3", genuine)));
        List<String> codes = List.of("CHAIN_REJECTED", "REVOKED", "TLS_KEY_MISMATCH");
        for (int i = 0; i < rogues.size(); i++) {
            int before = c.refusals.size();
            try (RaftClient rogue = client(rogues.get(i))) {
                assertThatThrownBy(() -> {
                    RaftClientReply reply = rogue.io().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(Wire.block(block))));
                    if (!reply.isSuccess()) {
                        throw reply.getException();
                    }
                }).as("rogue %d", i).isNotNull();
                assertThatThrownBy(() -> rogue.io().sendReadOnly(Message.valueOf(UnsafeByteOperations.unsafeWrap(
                        Wire.submit(block.txs()))))).isNotNull();
            }
            String code = codes.get(i);
            assertThat(new ArrayList<>(c.refusals.subList(before, c.refusals.size()))).as("logged refusals")
                    .anyMatch(r -> r.contains(code));
            for (RaftLedger l : List.copyOf(c.running.values())) {
                assertThat(l.ledger().height()).isEqualTo(height);
            }
        }
        // The same block through a certified member goes in: TLS was the only thing in the way.
        assertThat(c.follower().proposeBlock(block)).isTrue();
        c.assertSameVerifiedLedger();
        assertThat(leader.ledger().height()).isEqualTo(height + 1);
    }

    @Test
    void aProcessWithAForeignCertificateCannotTakeAMembersPlace() throws Exception {
        RaftLedger victim = c.follower();
        String id = victim.nodeId();
        RaftCluster.Member member = c.members.get(id);
        c.kill(id);
        NodeKeys stranger = NodeKeys.generate();
        RaftTls foreign = tls(stranger.tls(), id, chain(new TestNetwork(), id, stranger));
        int before = c.refusals.size();
        // Its own disk: a process with the member's Raft directory would start from the snapshot there.
        try (RaftLedger impostor = RaftLedger.start(c.config(id).withRaftDir(dir.resolve("impostor-raft")), dir.resolve("impostor"),
                stranger.falcon(), foreign, java.time.Clock.systemUTC())) {
            // The group goes on with its two certified voters; the impostor gets nothing.
            assertThat(RaftLedgerTest.createAssets(c.leader(), registered(), 0, 3)).containsOnly(TxOutcome.Status.COMMITTED);
            c.assertSameVerifiedLedger();
            assertThat(impostor.ledger().height()).isEqualTo(-1);
            assertThat(impostor.isLeader()).isFalse();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> c.refusals.subList(before, c.refusals.size()).stream().anyMatch(r -> r.contains("CHAIN_REJECTED")));
        }
        assertThat(member.id()).isEqualTo(id);
        c.start(id);
        c.assertSameVerifiedLedger();
    }

    @Test
    void aCertifiedProcessCannotSpeakRaftInAnotherMembersName() throws Exception {
        // A process the trust check admits (this CA's certificate, its own TLS key bound) asks a
        // follower for its vote in the leader's name, at a far higher term.
        NodeKeys keys = NodeKeys.generate();
        RaftTls certified = tls(keys.tls(), "n9", chain(c.net, "n9", keys));
        RaftCluster.Member target = c.members.get(c.follower().nodeId());
        String victim = c.leader().nodeId();
        RaftPeer peer = RaftPeer.newBuilder().setId(target.id())
                .setAddress(target.address().getHostString() + ":" + target.address().getPort()).build();
        TrustManager trustAll = InsecureTrustManagerFactory.INSTANCE.getTrustManagers()[0];
        int before = c.refusals.size();
        long height = c.leader().ledger().height();
        try (GrpcServerProtocolClient rogue = new GrpcServerProtocolClient(peer, 1 << 20, TimeDuration.valueOf(5, TimeUnit.SECONDS),
                new GrpcTlsConfig(certified.keyManager(), trustAll, true), false)) {
            RequestVoteRequestProto vote = RequestVoteRequestProto.newBuilder()
                    .setServerRequest(RaftRpcRequestProto.newBuilder()
                            .setRequestorId(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFromUtf8(victim))
                            .setReplyId(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFromUtf8(target.id()))
                            .setRaftGroupId(ProtoUtils.toRaftGroupIdProtoBuilder(RaftGroupId.valueOf(c.group)))
                            .setCallId(1))
                    .setCandidateTerm(1_000_000).build();
            assertThatThrownBy(() -> rogue.requestVote(vote)).hasMessageContaining("PERMISSION_DENIED")
                    .hasMessageContaining("in the name of node " + victim);
        }
        assertThat(new ArrayList<>(c.refusals.subList(before, c.refusals.size()))).isEmpty(); // the handshake admitted it
        assertThat(RaftLedgerTest.createAssets(c.leader(), registered(), 10, 2)).containsOnly(TxOutcome.Status.COMMITTED);
        c.assertSameVerifiedLedger();
        assertThat(c.leader().ledger().height()).isGreaterThan(height);
    }

    @Test
    void aCertifiedNodeOutsideTheGroupCannotChangeIt() throws Exception {
        // Admitted by the CA (so TLS lets it in) but never added to the group: it asks every
        // member to shrink the group to the leader alone. Only members may change the group.
        NodeKeys keys = NodeKeys.generate();
        RaftTls certified = tls(keys.tls(), "n8", chain(c.net, "n8", keys));
        RaftLedger leader = c.leader();
        RaftMembers.Members before = leader.members().current();
        RaftCluster.Member self = c.members.get(leader.nodeId());
        RaftPeer alone = RaftPeer.newBuilder().setId(self.id())
                .setAddress(self.address().getHostString() + ":" + self.address().getPort()).build();
        try (RaftClient rogue = client(certified)) {
            assertThatThrownBy(() -> {
                RaftClientReply reply = rogue.admin().setConfiguration(List.of(alone));
                if (!reply.isSuccess()) {
                    throw reply.getException();
                }
            }).hasStackTraceContaining("PERMISSION_DENIED").hasStackTraceContaining("node n8 is not a member of the Raft group");
        }
        assertThat(leader.members().current()).isEqualTo(before);
        assertThat(c.leader().members().current().voters()).hasSize(3);
        assertThat(RaftLedgerTest.createAssets(c.leader(), registered(), 20, 2)).containsOnly(TxOutcome.Status.COMMITTED);
        c.assertSameVerifiedLedger();
    }

    private static io.stoq.crypto.sign.SigningKey owner;

    /** A member account registered once for this class's writes. */
    private static io.stoq.crypto.sign.SigningKey registered() throws Exception {
        if (owner == null) {
            owner = TestNetwork.newKey();
            assertThat(c.leader().submitAndWait(List.of(c.net.tx(c.net.admin, c.net.register(owner)))).get(0).status())
                    .isEqualTo(TxOutcome.Status.COMMITTED);
        }
        return owner;
    }

    /** A Ratis client presenting {@code tls} and trusting any server, with no retries. */
    private static RaftClient client(RaftTls tls) throws Exception {
        TrustManager trustAll = InsecureTrustManagerFactory.INSTANCE.getTrustManagers()[0];
        RaftProperties props = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        List<RaftPeer> peers = new ArrayList<>();
        for (RaftCluster.Member m : c.members.values()) {
            peers.add(RaftPeer.newBuilder().setId(m.id()).setAddress(m.address().getHostString() + ":" + m.address().getPort()).build());
        }
        return RaftClient.newBuilder().setRaftGroup(RaftGroup.valueOf(RaftGroupId.valueOf(c.group), peers)).setProperties(props)
                .setParameters(GrpcFactory.newRaftParameters(new GrpcTlsConfig(tls.keyManager(), trustAll, true)))
                .setRetryPolicy(RetryPolicies.noRetry()).build();
    }
}
