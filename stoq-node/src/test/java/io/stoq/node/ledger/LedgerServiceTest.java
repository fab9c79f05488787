package io.stoq.node.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.LedgerEvent;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.daemon.DevIdentity;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger writer on a real RocksDB ledger with the dev identity. */
class LedgerServiceTest {
    @TempDir
    Path dir;

    private LedgerService open(Duration interval) throws Exception {
        DevIdentity.ensure(dir);
        NodeKeys keys = NodeKeys.load(dir.resolve("node"), null);
        List<X509Certificate> chain = PemFiles.readCertificates(dir.resolve("node/node.crt.pem"));
        X509Certificate root = PemFiles.readCertificate(dir.resolve("ca/root.crt.pem"));
        return LedgerService.start(dir.resolve("ledger"), CustodialKeys.open(dir.resolve("accounts")), keys.falcon(), chain,
                root, "test", Clock.systemUTC(), interval, 1000);
    }

    private static TxBody create() {
        Hash256 id = Hash256.of(SecureRandoms.bytes(32));
        return new TxBody.AssetCreate(id, "a", id, new byte[0], 1, AssetPolicy.ANY_HOLDER);
    }

    @Test
    void concurrentSubmissionsAreGroupCommittedDurablyAndInOrderPerAccount() throws Exception {
        List<Committed> done = new ArrayList<>();
        List<LedgerEvent> events = new CopyOnWriteArrayList<>();
        try (LedgerService s = open(Duration.ofMillis(200))) {
            long setupHeight = s.ledger().height();
            assertThat(setupHeight).isEqualTo(1); // genesis + node registration
            AutoCloseable sub = s.events().subscribe(-1, events::add);
            List<CompletableFuture<Committed>> futures = new ArrayList<>();
            for (String account : new String[] {"a1", "a2", "a3", "a4"}) {
                SigningKey k = s.keys().keyOf(account);
                for (int i = 0; i < 10; i++) {
                    futures.add(s.submit(k, List.of(), create()));
                }
            }
            for (CompletableFuture<Committed> f : futures) {
                Committed c = f.get(60, TimeUnit.SECONDS);
                done.add(c);
                // completed only once durable: the tx is readable from the store at its recorded place
                assertThat(s.ledger().store().tx(c.txId()).height()).isEqualTo(c.height());
            }
            Set<Long> heights = new HashSet<>();
            done.forEach(c -> heights.add(c.height()));
            assertThat(heights.size()).as("40 txs in few blocks").isLessThan(10);
            // node-proposed after setup
            assertThat(s.ledger().head().proposer()).isEqualTo(
                    NodeKeys.load(dir.resolve("node"), null).falcon().verifyingKey().fingerprint());

            assertThatThrownBy(() -> s.commit(s.keys().keyOf("a1"), List.of(),
                    new TxBody.AssetUpdate(Hash256.of(new byte[32]), 2, Hash256.of(new byte[32]), new byte[0])))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error()).isEqualTo(ApiError.NOT_FOUND));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (events.stream().filter(e -> e.type().equals("asset.created")).count() < 40 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            sub.close();
            assertThat(events.stream().filter(e -> e.type().equals("asset.created")).count()).isEqualTo(40);
            for (int i = 1; i < events.size(); i++) {
                assertThat(events.get(i).seq()).isGreaterThan(events.get(i - 1).seq());
            }
        }
        try (LedgerService again = open(Duration.ofMillis(5))) {
            long height = again.ledger().height();
            assertThat(height).isGreaterThanOrEqualTo(done.get(done.size() - 1).height());
            Committed next = again.commit(again.keys().keyOf("a1"), List.of(), create());
            assertThat(next.height()).isEqualTo(height + 1);
        }
    }
}
