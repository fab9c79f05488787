package io.stoq.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.ledger.tx.TxBody;
import io.stoq.net.NetErrorCode;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Membership at the module level: a registered node started outside the group is added with
 * {@link RaftMembers#add} (as a listener once the voter bound is reached), catches up and applies
 * what follows; once revoked, the connections it already holds can no longer carry its SUBMITs
 * (each call refused and counted by reason), and {@link RaftMembers#remove} takes it out.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RaftMembersTest {
    @TempDir
    Path dir;

    @Test
    void aRegisteredNodeJoinsPastTheVoterBoundAsAListenerAndOnceRevokedItsOpenConnectionsCarryNothing() throws Exception {
        try (RaftCluster c = RaftCluster.start(dir, 3, 0, cfg -> cfg.withSubmitTimeout(Duration.ofSeconds(3)))) {
            RaftLedger joiner = c.join("n4", true);
            List<byte[]> chain = new ArrayList<>();
            for (X509Certificate cert : c.members.get("n4").chain()) {
                chain.add(cert.getEncoded());
            }
            assertThat(c.leader().submitAndWait(List.of(c.net.tx(c.net.admin, new TxBody.NodeRegister(chain)))).get(0).status())
                    .isEqualTo(TxOutcome.Status.COMMITTED);
            RaftPeerSpec asked = new RaftPeerSpec("n4", c.members.get("n4").address(), true);
            // Three voters already: the bound of three turns the fourth into a listener.
            RaftPeerSpec granted = c.follower().members().add(asked, 3);
            assertThat(granted.voter()).isFalse();
            assertThat(c.follower().members().add(asked, 3)).as("adding again changes nothing").isEqualTo(granted);
            await().atMost(Duration.ofSeconds(60)).until(joiner::isMember);
            c.awaitConverged();
            assertThat(c.leader().members().current().listeners()).extracting(RaftPeerSpec::nodeId).containsExactly("n4");

            var owner = io.stoq.ledger.TestNetwork.newKey();
            List<TxOutcome> through = joiner.submitAndWait(List.of(c.net.tx(c.net.admin, c.net.register(owner))));
            assertThat(through.get(0).status()).as("a write through the listener").isEqualTo(TxOutcome.Status.COMMITTED);
            c.awaitConverged();

            c.revocations.revoke(c.members.get("n4").chain().get(0).getSerialNumber());
            long before = refused(c);
            List<TxOutcome> late;
            try {
                late = joiner.submitAndWait(List.of(c.net.tx(c.net.admin, c.net.register(io.stoq.ledger.TestNetwork.newKey()))));
            } catch (ConsensusException e) {
                late = List.of();
            }
            assertThat(late).noneMatch(o -> o.status() == TxOutcome.Status.COMMITTED);
            assertThat(refused(c)).as("calls refused on connections opened before the revocation").isGreaterThan(before);

            assertThat(c.leader().members().remove("n4")).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> !c.follower().members().current().contains("n4"));
            assertThat(c.leader().members().remove("n4")).as("removing again changes nothing").isFalse();
        }
    }

    private static long refused(RaftCluster c) {
        long n = 0;
        for (String id : List.of("n1", "n2", "n3")) {
            n += c.tlsOf.get(id).refusals().snapshot().getOrDefault(NetErrorCode.REVOKED, 0L);
        }
        return n;
    }
}
