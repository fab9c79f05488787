package io.stoq.node.repair;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.ledger.LedgerException;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConnection;
import io.stoq.net.discovery.Liveness;
import io.stoq.net.discovery.PeerStatus;
import io.stoq.node.NodeException;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.config.NodeConfigKeys;
import io.stoq.node.ledger.LedgerReader;
import io.stoq.node.peer.PeerNetwork;
import io.stoq.node.replication.LocationProofs;
import io.stoq.node.replication.ShardPlacement;
import io.stoq.node.store.ShardStore;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repair and audits (issue 13, deliverables 4 and 5). Every shard has one <b>repair owner</b>:
 * the reachable node (this one and its alive or suspect peers) with the highest
 * {@code SHA3("stoq.repair.owner.v1" || shard || node id)}, computed by every node alike, so
 * exactly one node audits and repairs a given shard and a lost node's shards are spread over all
 * others (rendezvous: when the owner dies, only its shards move to new owners).
 *
 * <p><b>Repair pass</b> ({@code repair.interval}): reads the ledger's new blocks into the
 * {@link ShardCensus}; for each shard it owns, counts the good copies: holders (by location
 * proof) that are reachable, or unreachable for less than {@code repair.grace}, and that no audit
 * found bad. Below the policy's replica count, and once every missing copy is past grace or bad,
 * it reads a verified copy and writes the missing ones on the nodes rendezvous chooses now
 * ({@link ShardRepairer}); the new holders then prove them ({@link LocationProofs#proveRepaired},
 * batched per node and version). Every node also fetches back any copy its own proofs claim that
 * its store lost (a quarantined or deleted file), which keeps its proof true.
 *
 * <p><b>Audit round</b> ({@code repair.audit-interval}): for up to {@code repair.audits-per-peer}
 * random shards it owns per alive peer holding them, sends a {@link ShardAudits} challenge and
 * checks the answer against bytes it verified itself. A wrong or refused answer marks that copy
 * bad, and so do {@value #MISSES_FOR_BAD} unanswered challenges in a row, <i>in this node's
 * memory</i>, not on the ledger: an audit is one node's
 * observation of another, which no other node can check afterwards, and the ledger's lasting
 * record of the fix is the new copy's location proof. The mark is dropped when the copy passes a
 * later audit or repair writes the shard there again; a restart forgets marks, and the next
 * rounds find the copy again.
 *
 * <p>Both run on one thread of their own (the census is not thread-safe), charged to one
 * {@link ByteRate} ({@code repair.max-bytes-per-second}); a node serves at most
 * {@value ShardAudits#CONCURRENT} audits at once.
 */
public final class RepairService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RepairService.class);
    private static final byte[] OWNER_DOMAIN = "stoq.repair.owner.v1".getBytes(StandardCharsets.US_ASCII);
    /** Repaired copies proved per node and version in one proof at most (the ledger's list limit is 4096). */
    private static final int PROOF_BATCH = 1024;

    /** The settings, from {@code repair.*}. */
    /**
     * The settings, from {@code repair.*}; {@code settle} is {@code ledger.commit-timeout}, how long
     * a writer waits for its holders' proofs: a version's shards are not counted below policy for
     * missing proofs until that long after its first proof was read (they are still arriving).
     */
    public record Settings(Duration grace, Duration interval, long bytesPerSecond, Duration auditInterval, int auditsPerPeer,
            int auditRange, Duration settle) {
        public static Settings from(NodeConfig config) {
            return new Settings(config.get(NodeConfigKeys.REPAIR_GRACE), config.get(NodeConfigKeys.REPAIR_INTERVAL),
                    config.get(NodeConfigKeys.REPAIR_MAX_RATE).bytes(), config.get(NodeConfigKeys.REPAIR_AUDIT_INTERVAL),
                    config.get(NodeConfigKeys.REPAIR_AUDITS_PER_PEER),
                    (int) Math.min(ShardAudits.MAX_RANGE, config.get(NodeConfigKeys.REPAIR_AUDIT_RANGE).bytes()),
                    config.get(NodeConfigKeys.LEDGER_COMMIT_TIMEOUT));
        }
    }

    private final Settings settings;
    private final LedgerReader ledger;
    private final ShardStore local;
    private final PeerNetwork peers;
    private final LocationProofs proofs;
    private final String selfId;
    private final Clock clock;
    private final ShardCensus census;
    private final ShardRepairer repairer;
    private final ShardAudits audits;
    private final PieceRepairs pieces;
    /** Repair thread: the revoked nodes among the members, as of the last survey. */
    private Set<String> revoked = Set.of();
    private final RepairMetrics metrics = new RepairMetrics();
    private final SecureRandom random = new SecureRandom();
    /** Repair thread: when each unreachable node was first seen unreachable. */
    private final Map<String, Instant> unreachableSince = new HashMap<>();
    /** Longest a shard whose repair failed waits before it is tried again. */
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    /** Repair thread: a shard whose last repair (or restore here) failed, how often in a row, and when it may be tried again. */
    private record Backoff(int failures, Instant next) {}

    private final Map<Hash256, Backoff> backoff = new HashMap<>();
    /** Repair thread: whether the last pass saw this node cut off from most of the cluster (logged on change only). */
    private boolean partitioned;
    /**
     * Unanswered challenges in a row that mark a copy bad: one lost stream on a loaded node is not
     * a lost copy (a dead node is grace's business), three in a row on the same copy are treated as one.
     */
    static final int MISSES_FOR_BAD = 3;

    private record Key(Hash256 shard, String node) {}

    /** Repair thread: unanswered challenges in a row, per copy. */
    private final Map<Key, Integer> missed = new HashMap<>();
    /** Repair thread: copies audits found bad, shard to node ids. */
    private final Map<Hash256, Set<String>> bad = new HashMap<>();
    private final java.util.concurrent.atomic.AtomicBoolean repairQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "stoq-repair");
        t.setDaemon(true);
        return t;
    });

    public RepairService(Settings settings, LedgerReader ledger, ShardStore local, PeerNetwork peers, ShardPlacement placement,
            LocationProofs proofs, Clock clock) {
        this.settings = settings;
        this.ledger = ledger;
        this.local = local;
        this.peers = peers;
        this.proofs = proofs;
        this.selfId = placement.selfId();
        this.clock = clock;
        this.census = new ShardCensus(ledger, clock);
        this.repairer = new ShardRepairer(local, peers, placement, new ByteRate(settings.bytesPerSecond()), metrics);
        this.audits = new ShardAudits(local);
        this.pieces = new PieceRepairs(this, census, repairer, local, selfId, metrics);
    }

    /** Answers audits and starts the repair and audit rounds. */
    public RepairService start() {
        audits.serve(peers);
        long every = settings.interval().toMillis();
        thread.scheduleWithFixedDelay(() -> guarded("repair pass", this::repairPass), every, every, TimeUnit.MILLISECONDS);
        if (settings.auditsPerPeer() > 0) {
            long audit = settings.auditInterval().toMillis();
            thread.scheduleWithFixedDelay(() -> guarded("audit round", this::auditRound), audit, audit, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    public RepairMetrics metrics() {
        return metrics;
    }

    private interface Step {
        void run() throws Exception;
    }

    private void guarded(String what, Step step) {
        try {
            step.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception | Error e) {
            LOG.error("repair: {} failed: {}", what, e.toString());
        }
    }

    // ---- ownership and liveness ---------------------------------------------------------------

    /**
     * Who this node hears now and who it owns shards among. {@code reachable} is this node and
     * every peer it hears (alive or suspect); {@code owners} adds the peers unreachable for less
     * than {@code repair.grace}: a peer that missed a few heartbeats on a loaded host keeps its
     * shards, so a flap moves no ownership (and no repair: its copies count until grace anyway).
     * {@code partitioned} when this node hears fewer than half the nodes it knows, itself
     * included: then it is more likely cut off than they are all dead, and it owns nothing.
     */
    record View(List<String> reachable, List<String> owners, int known, boolean partitioned) {}

    private View view() {
        List<String> out = new ArrayList<>();
        List<String> owners = new ArrayList<>();
        out.add(selfId);
        owners.add(selfId);
        Instant now = clock.instant();
        Set<String> seen = new HashSet<>();
        for (PeerStatus p : peers.peers()) {
            if (p.nodeId().equals(selfId) || !seen.add(p.nodeId())) {
                continue;
            }
            if (p.liveness() == Liveness.ALIVE || p.liveness() == Liveness.SUSPECT) {
                out.add(p.nodeId());
                owners.add(p.nodeId());
                unreachableSince.remove(p.nodeId());
            } else {
                Instant since = unreachableSince.computeIfAbsent(p.nodeId(), id -> now);
                if (Duration.between(since, now).compareTo(settings.grace()) < 0) {
                    owners.add(p.nodeId());
                }
            }
        }
        unreachableSince.keySet().retainAll(seen);
        int known = seen.size() + 1;
        boolean cut = isPartitioned(out.size(), known);
        if (cut != partitioned) {
            partitioned = cut;
            if (cut) {
                LOG.warn("repair on {}: it hears {} of the {} nodes it knows (itself included), fewer than half; it repairs and "
                        + "audits no other node's copies until it hears more", selfId, out.size(), known);
            } else {
                LOG.info("repair on {}: it hears {} of the {} nodes it knows again; repair and audits resume", selfId, out.size(), known);
            }
        }
        metrics.partitioned.set(cut ? 1 : 0);
        return new View(out, owners, known, cut);
    }

    /** Fewer than half of the {@code known} nodes (this one included) {@code reachable}. */
    static boolean isPartitioned(int reachable, int known) {
        return 2 * reachable < known;
    }

    /** True when {@code nodeId} is this node's or a reachable peer's, or unreachable for less than the grace. */
    boolean counts(String nodeId, Set<String> reachable, Instant now) {
        if (reachable.contains(nodeId)) {
            return true;
        }
        Instant since = unreachableSince.computeIfAbsent(nodeId, id -> now); // a holder not even a member: from now
        return Duration.between(since, now).compareTo(settings.grace()) < 0;
    }

    /** The repair owner of {@code shard} among {@code nodes}. */
    static String owner(Hash256 shard, List<String> nodes) {
        String best = null;
        Hash256 bestScore = null;
        for (String n : nodes) {
            Hash256 s = Sha3.hash(OWNER_DOMAIN, shard.toBytes(), n.getBytes(StandardCharsets.UTF_8));
            if (bestScore == null || compare(s, bestScore) > 0 || (compare(s, bestScore) == 0 && n.compareTo(best) < 0)) {
                best = n;
                bestScore = s;
            }
        }
        return best;
    }

    private static int compare(Hash256 a, Hash256 b) {
        return java.util.Arrays.compareUnsigned(a.toBytes(), b.toBytes());
    }

    private Set<String> revoked(Set<String> ids) {
        Set<String> out = new HashSet<>();
        for (String id : ids) {
            try {
                var n = ledger.state().node(id);
                if (n != null && n.revoked()) {
                    out.add(id);
                }
            } catch (LedgerException e) {
                LOG.debug("repair: node {} unreadable: {}", id, e.getMessage());
            }
        }
        return out;
    }

    private List<ShardCensus.Shard> survey(java.util.function.Predicate<Hash256> which) throws LedgerException {
        census.catchUp();
        metrics.census.set(census.size());
        Set<String> members = new HashSet<>();
        peers.peers().forEach(p -> members.add(p.nodeId()));
        revoked = revoked(members);
        return census.shards(which, revoked);
    }

    // ---- repair -------------------------------------------------------------------------------

    void repairPass() throws LedgerException, InterruptedException {
        View view = view();
        Set<String> reachable = new HashSet<>(view.reachable());
        Instant now = clock.instant();
        List<ShardCensus.Shard> shards = survey(h -> true);
        int below = 0;
        int waiting = 0;
        int backingOff = 0;
        List<ShardCensus.Shard> toRepair = new ArrayList<>();
        for (ShardCensus.Shard s : shards) {
            if (s.holders().contains(selfId) && !local.contains(s.hash()) && !Thread.currentThread().isInterrupted()
                    && due(s.hash(), now)) {
                Set<String> others = new HashSet<>(s.holders());
                others.remove(selfId);
                others.retainAll(reachable);
                if (repairer.restoreHere(s.hash(), others)) {
                    clearBad(s.hash(), selfId);
                    backoff.remove(s.hash());
                } else {
                    failed(s.hash(), now);
                }
            }
            if (view.partitioned() || !selfId.equals(owner(s.hash(), view.owners()))) {
                continue;
            }
            Set<String> badHere = bad.getOrDefault(s.hash(), Set.of());
            long live = s.holders().stream().filter(h -> reachable.contains(h) && !badHere.contains(h)).count();
            if (live >= s.wanted()) {
                continue;
            }
            if (badHere.isEmpty() && s.holders().size() < s.wanted() && settling(s.proveUnderSeen(), now)) {
                continue; // a fresh version: its other holders' proofs may still be on their way
            }
            below++;
            long good = s.holders().stream().filter(h -> counts(h, reachable, now) && !badHere.contains(h)).count();
            if (good >= s.wanted()) {
                waiting++; // a holder is away for less than the grace: it may come back
            } else if (!due(s.hash(), now)) {
                backingOff++; // its last repair failed: tried again later, not every pass
            } else {
                toRepair.add(s);
            }
        }
        // erasure-coded versions: pieces counted per shard and rebuilt from k others (PieceRepairs)
        Map<String, Map<ShardCensus.Ref, List<Hash256>>> provedPieces = new LinkedHashMap<>();
        PieceRepairs.Tally t = pieces.pass(view, reachable, now, revoked, provedPieces);
        prove(provedPieces);
        metrics.belowPolicy.set(below + t.below());
        metrics.awaitingGrace.set(waiting + t.waiting());
        metrics.backingOff.set(backingOff + t.backingOff());
        if (toRepair.isEmpty()) {
            return;
        }
        LOG.info("repair on {}: {} shards it owns below policy, {} of them past repair.grace or failed an audit and due; repairing "
                + "({} wait after a failed repair)", selfId, below, toRepair.size(), backingOff);
        Map<String, Map<ShardCensus.Ref, List<Hash256>>> proved = new LinkedHashMap<>();
        int pending = 0;
        int done = 0;
        for (ShardCensus.Shard s : toRepair) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
            Set<String> badHere = bad.getOrDefault(s.hash(), Set.of());
            Set<String> good = new HashSet<>();
            for (String h : s.holders()) {
                if (counts(h, reachable, now) && !badHere.contains(h)) {
                    good.add(h);
                }
            }
            // good holders first, then those marked bad: every fetched copy is checked against the shard's
            // hash, so a bad mark from a lost audit stream must not leave the shard with no source
            List<String> sources = new ArrayList<>();
            List<String> suspect = new ArrayList<>();
            for (String h : s.holders()) {
                if (reachable.contains(h) && !h.equals(selfId)) {
                    (badHere.contains(h) ? suspect : sources).add(h);
                }
            }
            Collections.shuffle(sources, random);
            sources.addAll(suspect);
            Set<String> keep = new HashSet<>(good);
            keep.retainAll(reachable); // copies on nodes past grace do not count as placed
            byte[] bytes;
            try {
                bytes = repairer.read(s.hash(), sources);
            } catch (NodeException e) {
                metrics.repairFailures.incrementAndGet();
                Duration wait = failed(s.hash(), now);
                LOG.warn("repair on {}: shard {} is below policy and {}; tried again in {} s", selfId, s.hash().toHex(), e.getMessage(),
                        wait.toSeconds());
                continue;
            }
            List<String> inPlace = new ArrayList<>();
            for (String h : badHere) {
                if (reachable.contains(h) && s.holders().contains(h)) {
                    inPlace.add(h);
                }
            }
            List<String> made = repairer.copy(s.hash(), bytes, keep, s.wanted() - keep.size(), inPlace);
            if (made.size() < s.wanted() - keep.size()) {
                metrics.repairFailures.incrementAndGet();
                failed(s.hash(), now);
            } else {
                backoff.remove(s.hash());
            }
            for (String n : made) {
                metrics.repaired.incrementAndGet();
                clearBad(s.hash(), n);
                proved.computeIfAbsent(n, k -> new LinkedHashMap<>()).computeIfAbsent(s.proveUnder(), k -> new ArrayList<>()).add(s.hash());
                pending++;
            }
            if (!made.isEmpty()) {
                done++;
            }
            if (pending >= PROOF_BATCH) {
                prove(proved);
                pending = 0;
            }
        }
        prove(proved);
        LOG.info("repair on {}: pass done: {} of {} shards given new copies; {} copies made and {} bytes moved since start", selfId, done,
                toRepair.size(), metrics.repaired.get(), metrics.bytes.get());
    }

    /** True while a version whose first proof this node read at {@code firstProof} may still be getting its holders' proofs. */
    boolean settling(Instant firstProof, Instant now) {
        return Duration.between(firstProof, now).compareTo(settings.settle()) < 0;
    }

    /** Forgets {@code shard}'s failed repairs (it was repaired). */
    void succeeded(Hash256 shard) {
        backoff.remove(shard);
    }

    /** The holders of {@code hash} whose copies audits found bad (and no repair or later audit cleared). */
    Set<String> badOf(Hash256 hash) {
        return bad.getOrDefault(hash, Set.of());
    }

    /** False while {@code shard}'s last repair failed less than its backoff ago. */
    boolean due(Hash256 shard, Instant now) {
        Backoff b = backoff.get(shard);
        return b == null || !now.isBefore(b.next());
    }

    /**
     * Records a failed repair of {@code shard}: it waits {@code repair.interval} doubled per
     * failure in a row, at most {@link #MAX_BACKOFF}, so shards no copy of which can be read or
     * placed now do not cost a fetch or a dial on every pass. Returns the wait.
     */
    Duration failed(Hash256 shard, Instant now) {
        Backoff last = backoff.get(shard);
        int failures = last == null ? 1 : Math.min(last.failures() + 1, 30);
        Duration wait = backoffAfter(failures, settings.interval());
        backoff.put(shard, new Backoff(failures, now.plus(wait)));
        return wait;
    }

    /** {@code interval} doubled for each failure after the first, at most {@link #MAX_BACKOFF}. */
    static Duration backoffAfter(int failures, Duration interval) {
        Duration wait = interval;
        for (int i = 1; i < failures && wait.compareTo(MAX_BACKOFF) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
    }

    /** Has each new holder prove its repaired copies, one proof per node and version. */
    private void prove(Map<String, Map<ShardCensus.Ref, List<Hash256>>> proved) {
        proved.forEach((node, byRef) -> byRef.forEach((ref, hashes) -> {
            for (int i = 0; i < hashes.size(); i += 4096) {
                List<Hash256> part = hashes.subList(i, Math.min(hashes.size(), i + 4096));
                String why = proofs.proveRepaired(node, ref.assetId(), ref.version(), part);
                if (why == null) {
                    part.forEach(h -> census.held(h, node));
                } else {
                    LOG.warn("repair: node {} did not prove {} repaired copies of asset {} version {}: {}", node, part.size(),
                            ref.assetId().toHex(), ref.version(), why);
                }
            }
        }));
        proved.clear();
    }

    void clearBad(Hash256 hash, String node) {
        Set<String> s = bad.get(hash);
        if (s != null && s.remove(node) && s.isEmpty()) {
            bad.remove(hash);
        }
    }

    // ---- audits -------------------------------------------------------------------------------

    void auditRound() throws LedgerException, InterruptedException {
        View view = view();
        if (view.partitioned()) {
            return; // its unanswered challenges would say more about this node's network than about the copies
        }
        List<String> reachableList = view.owners();
        Map<String, List<AuditTarget>> perPeer = new HashMap<>();
        Set<String> alive = new HashSet<>();
        for (PeerStatus p : peers.peers()) {
            if (p.liveness() == Liveness.ALIVE && !p.addresses().isEmpty()) {
                alive.add(p.nodeId());
            }
        }
        for (ShardCensus.Shard s : survey(h -> selfId.equals(owner(h, reachableList)))) {
            for (String h : s.holders()) {
                if (alive.contains(h) || h.equals(selfId)) {
                    perPeer.computeIfAbsent(h, k -> new ArrayList<>()).add(new AuditTarget(s.hash(), s));
                }
            }
        }
        Set<String> reachable = new HashSet<>(view.reachable());
        for (PieceRepairs.PieceShard s : pieces.shards(revoked, reachable, clock.instant())) {
            if (!selfId.equals(owner(s.hash(), reachableList))) {
                continue;
            }
            for (Hash256 piece : s.pieces()) {
                for (String h : census.holders(piece, revoked)) {
                    if (alive.contains(h) || h.equals(selfId)) {
                        perPeer.computeIfAbsent(h, k -> new ArrayList<>()).add(new AuditTarget(piece, null));
                    }
                }
            }
        }
        for (Map.Entry<String, List<AuditTarget>> e : perPeer.entrySet()) {
            List<AuditTarget> list = e.getValue();
            Collections.shuffle(list, random);
            for (AuditTarget target : list.subList(0, Math.min(settings.auditsPerPeer(), list.size()))) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException();
                }
                RepairMetrics.Result r = e.getKey().equals(selfId) ? auditOwn(target.hash())
                        : target.shard() == null ? auditPiece(e.getKey(), target.hash()) : audit(e.getKey(), target.shard(), alive);
                if (r == RepairMetrics.Result.MISSED) {
                    // no answer: the rest of this round's challenges to it would each wait out a handshake or
                    // request timeout on this one thread, holding up repair passes; asked again next round
                    break;
                }
            }
        }
    }

    /** A copy to audit: a whole shard ({@code shard} set: a range challenge) or a piece ({@code shard} null: read whole). */
    private record AuditTarget(Hash256 hash, ShardCensus.Shard shard) {}

    /**
     * One audit of {@code peer}'s piece {@code piece}: the piece read whole and checked against its
     * hash. A piece has one holder, so there is no other copy to take a range's expected answer
     * from, and the manifest has no merkle data inside a piece: the challenger's only trusted data
     * is the piece hash, which checks whole pieces only (a piece is a quarter of a shard at 4+2).
     */
    private RepairMetrics.Result auditPiece(String peer, Hash256 piece) throws InterruptedException {
        Instant now = clock.instant();
        RepairMetrics.Result result;
        String why = null;
        try {
            repairer.auditRead(peer, piece);
            result = RepairMetrics.Result.PASSED;
        } catch (NetException e) {
            if (e.code() == NetErrorCode.BUSY) {
                return null;
            }
            result = ShardRepairer.isRefusal(e) ? RepairMetrics.Result.FAILED : RepairMetrics.Result.MISSED;
            why = e.code() + " for piece " + piece.toHex() + ": " + e.getMessage();
        }
        return record(peer, piece, result, why, now);
    }

    /**
     * The owner's own copy of a shard or piece it owns, checked by its store's verifying read (a
     * corrupt one is quarantined there, and fetched back or rebuilt by the next pass): nobody
     * else audits the owner's copies, and a piece's owner is often one of its holders.
     */
    private RepairMetrics.Result auditOwn(Hash256 hash) {
        Instant now = clock.instant();
        try {
            local.get(hash);
            return record(selfId, hash, RepairMetrics.Result.PASSED, null, now);
        } catch (NodeException e) {
            return record(selfId, hash, RepairMetrics.Result.FAILED, e.code() + ": " + e.getMessage(), now);
        }
    }

    /** One challenge of {@code peer}'s copy of {@code s}; its outcome, null when none was learned. */
    private RepairMetrics.Result audit(String peer, ShardCensus.Shard s, Set<String> alive) throws InterruptedException {
        List<String> sources = new ArrayList<>();
        for (String h : s.holders()) {
            if (!h.equals(peer) && !h.equals(selfId) && alive.contains(h)) {
                sources.add(h);
            }
        }
        Collections.shuffle(sources, random);
        byte[] trusted;
        try {
            trusted = repairer.read(s.hash(), sources);
        } catch (NodeException e) {
            LOG.debug("audit: no verified copy of shard {} to check node {} against: {}", s.hash().toHex(), peer, e.getMessage());
            return null;
        }
        ShardAudits.Challenge c = ShardAudits.Challenge.random(s.hash(), trusted.length, settings.auditRange(), random);
        byte[] expected = c.answer(trusted);
        Instant now = clock.instant();
        PeerStatus p = repairer.peer(peer);
        if (p == null) {
            return null;
        }
        RepairMetrics.Result result;
        String why = null;
        try {
            PeerConnection conn = peers.connect(p.addresses().get(0));
            byte[] answer = ShardAudits.ask(conn, c);
            if (ShardAudits.matches(expected, answer)) {
                result = RepairMetrics.Result.PASSED;
            } else {
                result = RepairMetrics.Result.FAILED;
                why = "a wrong digest for shard " + s.hash().toHex();
            }
        } catch (NetException e) {
            if (e.code() == NetErrorCode.BUSY) {
                return null; // the peer is answering other audits: asked again next round, nothing learned
            }
            result = ShardRepairer.isRefusal(e) ? RepairMetrics.Result.FAILED : RepairMetrics.Result.MISSED;
            why = e.code() + " for shard " + s.hash().toHex() + ": " + e.getMessage();
        }
        return record(peer, s.hash(), result, why, now);
    }

    /** Records an audit's outcome for {@code peer}'s copy of {@code hash}: metrics, misses in a row, the bad mark and a repair pass. */
    private RepairMetrics.Result record(String peer, Hash256 hash, RepairMetrics.Result result, String why, Instant now) {
        metrics.audited(peer, result, why, now);
        Key key = new Key(hash, peer);
        if (result == RepairMetrics.Result.PASSED) {
            missed.remove(key);
            clearBad(hash, peer);
        } else if (result == RepairMetrics.Result.MISSED && missed.merge(key, 1, Integer::sum) < MISSES_FOR_BAD) {
            LOG.info("audit: node {} left a challenge for shard {} unanswered ({}); bad after {} in a row", peer, hash.toHex(),
                    why, MISSES_FOR_BAD);
        } else {
            missed.remove(key);
            LOG.warn("audit by {}: node {}'s copy of shard {} failed ({}); it is marked bad and will be repaired", selfId, peer,
                    hash.toHex(), why);
            bad.computeIfAbsent(hash, k -> new HashSet<>()).add(peer);
            if (!thread.isShutdown() && repairQueued.compareAndSet(false, true)) { // repair now, once for a round's failures
                try {
                    thread.execute(() -> {
                        repairQueued.set(false);
                        guarded("repair pass", this::repairPass);
                    });
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    LOG.debug("repair: not queued, the node is stopping");
                }
            }
        }
        return result;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
