package io.stoq.node.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.validate.TxRejectedException;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.fragmint.port.LedgerEvent;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.daemon.DevIdentity;
import io.stoq.node.fault.FaultInjection;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger writer on a real RocksDB ledger with the dev identity. */
class LedgerServiceTest {
    @TempDir
    Path dir;

    private LedgerService open(Duration interval) throws Exception {
        return open(interval, Duration.ofMinutes(2));
    }

    private LedgerService open(Duration interval, Duration commitTimeout) throws Exception {
        DevIdentity.ensure(dir);
        NodeKeys keys = NodeKeys.load(dir.resolve("node"), null);
        List<X509Certificate> chain = PemFiles.readCertificates(dir.resolve("node/node.crt.pem"));
        X509Certificate root = PemFiles.readCertificate(dir.resolve("ca/root.crt.pem"));
        return LedgerService.start(dir.resolve("ledger"), CustodialKeys.open(dir.resolve("accounts")),
                new io.stoq.node.NodeCredentials(keys, chain, root, dir.resolve("ca/crl.pem")), Clock.systemUTC(), new LedgerService.Settings("test", interval, 1000, commitTimeout));
    }

    private static TxBody.AssetCreate create() {
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
            // One signature per account per block (format 3), and each tx verifies from its own bytes.
            Map<String, Set<Integer>> signatures = new HashMap<>();
            for (Committed c : done) {
                Transaction decoded = Transaction.decode(s.ledger().store().tx(c.txId()).tx().encoded());
                assertThat(decoded.signatureValid(s.ledger().network())).isTrue();
                signatures.computeIfAbsent(c.height() + "/" + decoded.signer(), k -> new HashSet<>()).add(Arrays.hashCode(decoded.signature()));
            }
            assertThat(signatures.values()).allSatisfy(sigs -> assertThat(sigs).hasSize(1));
            assertThat(signatures).as("signatures for 40 txs of 4 accounts").hasSizeLessThan(40);
            // node-proposed after setup
            assertThat(s.ledger().head().proposer()).isEqualTo(
                    NodeKeys.load(dir.resolve("node"), null).falcon().verifyingKey().fingerprint());

            assertThatThrownBy(() -> s.commit(s.keys().keyOf("a1"), List.of(),
                    new TxBody.AssetUpdate(Hash256.of(new byte[32]), 2, Hash256.of(new byte[32]), new byte[0])))
                    .isInstanceOfSatisfying(TxRejectedException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.UNKNOWN_ASSET));

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

    /**
     * The writer stalls (fault injection: a disk that hangs) on an earlier block while a second
     * write waits in the queue past its timeout. The second is withdrawn atomically: its hook runs
     * (the asset service discards its shards there), and when the writer recovers it is never
     * committed. Before, it stayed queued and was committed later, pointing at deleted shards.
     */
    @Test
    void aWriteWithdrawnAtItsTimeoutIsNeverCommittedLater() throws Exception {
        CountDownLatch stalled = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        try (LedgerService s = open(Duration.ofMillis(5), Duration.ofMillis(300));
                FaultInjection.Installed fault = FaultInjection.install(FaultInjection.LEDGER_BEFORE_COMMIT, ctx -> {
                    if (first.getAndSet(false)) {
                        stalled.countDown();
                        release.await();
                    }
                })) {
            TxBody.AssetCreate a = create();
            CompletableFuture<Committed> earlier = s.submit(s.keys().keyOf("a1"), List.of(), a);
            assertThat(stalled.await(30, TimeUnit.SECONDS)).isTrue();

            TxBody.AssetCreate b = create();
            AtomicInteger hookRuns = new AtomicInteger();
            assertThatThrownBy(() -> s.commit(s.keys().keyOf("a2"), List.of(), b, hookRuns::incrementAndGet))
                    .isInstanceOfSatisfying(NodeException.class, e -> {
                        assertThat(e.code()).isEqualTo(NodeErrorCode.UNAVAILABLE);
                        assertThat(e.getMessage()).contains("nothing was recorded");
                    });
            assertThat(hookRuns).hasValue(1);

            release.countDown();
            earlier.get(30, TimeUnit.SECONDS);
            Committed after = s.commit(s.keys().keyOf("a3"), List.of(), create()); // the writer is past the queue
            assertThat(s.ledger().state().asset(a.assetId())).isNotNull();
            assertThat(s.ledger().state().asset(b.assetId())).as("withdrawn, never committed").isNull();
            assertThat(after.height()).isGreaterThan(earlier.get().height());
            assertThat(hookRuns).hasValue(1);
        }
    }

    /**
     * The timeout comes while the write's own block is being written: its outcome is open, so
     * the caller gets 503 but the hook does not run (its shards stay), and the block then commits
     * it. A later refusal of a write runs the hook.
     */
    @Test
    void aWriteWhoseBlockIsBeingWrittenAtItsTimeoutKeepsItsDataAndCommits() throws Exception {
        CountDownLatch stalled = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        try (LedgerService s = open(Duration.ofMillis(5), Duration.ofMillis(300))) {
            SigningKey k = s.keys().keyOf("b1");
            TxBody.AssetCreate b = create();
            AtomicInteger hookRuns = new AtomicInteger();
            try (FaultInjection.Installed fault = FaultInjection.install(FaultInjection.LEDGER_BEFORE_COMMIT, ctx -> {
                if (first.getAndSet(false)) {
                    stalled.countDown();
                    release.await();
                }
            })) {
                assertThatThrownBy(() -> s.commit(k, List.of(), b, hookRuns::incrementAndGet))
                        .isInstanceOfSatisfying(NodeException.class, e -> {
                            assertThat(e.code()).isEqualTo(NodeErrorCode.UNAVAILABLE);
                            assertThat(e.getMessage()).contains("may still be recorded");
                        });
                assertThat(stalled.getCount()).isZero();
                release.countDown();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> s.ledger().state().asset(b.assetId()) != null);
            }
            assertThat(hookRuns).as("committed: its data must stay").hasValue(0);

            // Refused by validation (no such asset): known never to commit, so the hook runs.
            AtomicInteger refusedRuns = new AtomicInteger();
            assertThatThrownBy(() -> s.commit(k, List.of(), new TxBody.AssetUpdate(Hash256.of(new byte[32]), 2,
                    Hash256.of(new byte[32]), new byte[0]), refusedRuns::incrementAndGet))
                    .isInstanceOfSatisfying(TxRejectedException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.UNKNOWN_ASSET));
            assertThat(refusedRuns).hasValue(1);
        }
    }

    /**
     * Block N+1 is built while block N is written. When N's write fails, N's requests stay
     * undecided (as any failed write), N+1 (built on N) is never written and its requests are
     * refused with their hooks run, and the ledger goes on from its real head.
     */
    @Test
    void aBlockBuiltOnOneWhoseWriteFailedIsRefusedAndTheLedgerGoesOn() throws Exception {
        CountDownLatch stalled = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        try (LedgerService s = open(Duration.ofMillis(5))) {
            long head = s.ledger().height();
            SigningKey k = s.keys().keyOf("p1");
            s.commit(k, List.of(), create()); // registers p1, so both blocks below hold one tx each
            TxBody.AssetCreate a = create();
            TxBody.AssetCreate b = create();
            AtomicInteger bHook = new AtomicInteger();
            CompletableFuture<Committed> fa;
            CompletableFuture<Object> fb;
            try (FaultInjection.Installed fault = FaultInjection.install(FaultInjection.LEDGER_BEFORE_APPEND, ctx -> {
                if (first.getAndSet(false)) {
                    stalled.countDown();
                    release.await();
                    throw new IllegalStateException("injected: the disk refused the block's synced write");
                }
            })) {
                fa = s.submit(k, List.of(), a);
                assertThat(stalled.await(30, TimeUnit.SECONDS)).isTrue();
                Duration built = s.timings().building();
                fb = CompletableFuture.supplyAsync(() -> {
                    try {
                        return s.commit(k, List.of(), b, bHook::incrementAndGet);
                    } catch (Exception e) {
                        return e;
                    }
                });
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> s.timings().building().compareTo(built) > 0);
                release.countDown();
                assertThatThrownBy(() -> fa.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(NodeException.class)
                        .hasMessageContaining("could not commit");
                Object outcome = fb.get(30, TimeUnit.SECONDS);
                assertThat(outcome).isInstanceOfSatisfying(NodeException.class, e -> {
                    assertThat(e.code()).isEqualTo(NodeErrorCode.UNAVAILABLE);
                    assertThat(e.getMessage()).contains("nothing was recorded");
                });
                assertThat(bHook).as("never written: the caller may discard its data").hasValue(1);
            }
            assertThat(s.ledger().height()).isEqualTo(head + 1);
            assertThat(s.ledger().state().asset(a.assetId())).isNull();
            assertThat(s.ledger().state().asset(b.assetId())).isNull();
            TxBody.AssetCreate c = create();
            Committed next = s.commit(k, List.of(), c);
            assertThat(next.height()).isEqualTo(head + 2);
            assertThat(s.ledger().state().asset(c.assetId())).isNotNull();
        }
    }

    /**
     * Events come from the ledger's apply path: a follower that appends the blocks another node
     * built (as a Raft follower will) emits the same events, in the same order and with the same
     * numbers, as the node that built them. Fails if events are published only by the writer.
     */
    @Test
    void aFollowerAppendingAnotherNodesBlocksEmitsTheSameEvents() throws Exception {
        List<LedgerEvent> built = new CopyOnWriteArrayList<>();
        List<LedgerEvent> appended = new CopyOnWriteArrayList<>();
        try (LedgerService s = open(Duration.ofMillis(5));
                io.stoq.ledger.Ledger follower = io.stoq.ledger.Ledger.open(dir.resolve("follower"));
                LedgerEvents followerEvents = new LedgerEvents(s.keys(), LedgerReader.of(follower))) {
            AutoCloseable sub = s.events().subscribe(-1, built::add);
            follower.onApplied(followerEvents::publish);
            AutoCloseable followerSub = followerEvents.subscribe(-1, appended::add);
            SigningKey k = s.keys().keyOf("f1");
            TxBody.AssetCreate a = create();
            s.commit(k, List.of(), a);
            s.commit(k, List.of(s.keys().keyOf("f2")), new TxBody.ReadGrant(a.assetId(),
                    s.keys().keyOf("f2").verifyingKey().fingerprint()));
            for (long h = 0; h <= s.ledger().height(); h++) {
                follower.append(s.ledger().store().block(h));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> built.stream()
                    .anyMatch(e -> e.type().equals("asset.granted")) && appended.stream().anyMatch(e -> e.type().equals("asset.granted")));
            // The follower also heard genesis and setup, which came before the service's events were fed.
            List<LedgerEvent> fromFollower = appended.stream().filter(e -> e.seq() >= built.get(0).seq()).toList();
            assertThat(fromFollower).usingRecursiveFieldByFieldElementComparator().isEqualTo(built);
            assertThat(built).extracting(LedgerEvent::type).contains("asset.created", "asset.granted", "account.registered");
            sub.close();
            followerSub.close();
        }
    }

    /**
     * The service's events come from its ledger's apply path, not from its writer: a block made by
     * another node (here a copy of this ledger, proposing with this node's key) and appended to
     * the service's ledger, as a Raft follower will, shows up in the service's event stream.
     * Fails when events are published only by the writer.
     */
    @Test
    void aBlockAppendedToTheServicesLedgerBecomesItsEvents() throws Exception {
        try (LedgerService s = open(Duration.ofMillis(5))) {
            s.commit(s.keys().keyOf("g1"), List.of(), create());
        }
        Path leaderDir = dir.resolve("leader");
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dir.resolve("ledger"))) {
            for (Path f : files.toList()) {
                java.nio.file.Files.copy(f, leaderDir.resolve(dir.resolve("ledger").relativize(f).toString()));
            }
        }
        io.stoq.ledger.block.Block made;
        TxBody.AssetCreate asset = create();
        try (io.stoq.ledger.Ledger leader = io.stoq.ledger.Ledger.open(leaderDir)) {
            CustodialKeys custody = CustodialKeys.open(dir.resolve("accounts"));
            SigningKey operator = custody.operatorKey(false);
            SigningKey member = custody.keyOf("g2");
            long nonce = leader.state().nonce(operator.verifyingKey().fingerprint()) + 1;
            List<io.stoq.ledger.tx.Transaction> txs = List.of(
                    io.stoq.ledger.tx.Transaction.sign(leader.network(), operator, nonce,
                            new TxBody.AccountRegister(member.publicKey().getEncoded(), io.stoq.ledger.tx.Role.MEMBER)),
                    io.stoq.ledger.tx.Transaction.sign(leader.network(), member, 1, asset));
            io.stoq.ledger.Ledger.CommitResult r = leader.commit(txs, java.time.Instant.now(),
                    NodeKeys.load(dir.resolve("node"), null).falcon());
            assertThat(r.rejected()).isEmpty();
            made = r.block();
        }
        List<LedgerEvent> events = new CopyOnWriteArrayList<>();
        try (LedgerService s = open(Duration.ofMillis(5))) {
            AutoCloseable sub = s.events().subscribe(-1, events::add);
            s.ledger().append(made); // nothing is queued: the writer thread is idle
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> events.stream()
                    .anyMatch(e -> e.type().equals("asset.created") && e.subject().equals(asset.assetId().toHex())));
            assertThat(events).filteredOn(e -> e.blockHeight() == made.header().height()).extracting(LedgerEvent::type)
                    .containsExactly("block.committed", "account.registered", "asset.created");
            sub.close();
        }
    }
}
