package io.stoq.node.repair;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Repair and audit counters for {@code /metrics}, and each peer's audit record as this node saw
 * it (for {@code GET /v1/nodes/{id}}). Written by the repair thread, read by the API; thread-safe.
 */
public final class RepairMetrics {
    /** What this node's audits found of one peer. */
    public record PeerAudits(long passed, long failed, long missed, Instant lastAudit, String lastFailure) {}

    final AtomicLong belowPolicy = new AtomicLong();
    final AtomicLong awaitingGrace = new AtomicLong();
    final AtomicLong backingOff = new AtomicLong();
    final AtomicLong partitioned = new AtomicLong();
    final AtomicLong census = new AtomicLong();
    final AtomicLong repaired = new AtomicLong();
    final AtomicLong restoredHere = new AtomicLong();
    final AtomicLong repairFailures = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong auditsPassed = new AtomicLong();
    final AtomicLong auditsFailed = new AtomicLong();
    final AtomicLong auditsMissed = new AtomicLong();
    private final Map<String, PeerAudits> peers = new ConcurrentHashMap<>();

    void audited(String nodeId, Result result, String why, Instant at) {
        switch (result) {
            case PASSED -> auditsPassed.incrementAndGet();
            case FAILED -> auditsFailed.incrementAndGet();
            case MISSED -> auditsMissed.incrementAndGet();
        }
        peers.merge(nodeId, new PeerAudits(result == Result.PASSED ? 1 : 0, result == Result.FAILED ? 1 : 0,
                result == Result.MISSED ? 1 : 0, at, why), (a, b) -> new PeerAudits(a.passed() + b.passed(),
                a.failed() + b.failed(), a.missed() + b.missed(), at, why != null ? why : a.lastFailure()));
    }

    /** The outcome of one challenge. */
    enum Result {
        /** The peer's digest matched. */
        PASSED,
        /** A wrong digest, or the peer said it does not hold the shard or its copy is corrupt. */
        FAILED,
        /** No answer (timeout, a broken stream): the copy is treated as bad as well. */
        MISSED
    }

    /** This node's audits of {@code nodeId}, null when it audited none. */
    public PeerAudits of(String nodeId) {
        return peers.get(nodeId);
    }

    /** {@link #of} as the API shows it. */
    public io.stoq.fragmint.port.LedgerView.AuditSummary summary(String nodeId) {
        PeerAudits a = peers.get(nodeId);
        return a == null ? null : new io.stoq.fragmint.port.LedgerView.AuditSummary(a.passed(), a.failed(), a.missed(), a.lastAudit(),
                a.lastFailure());
    }

    public long shardsBelowPolicy() {
        return belowPolicy.get();
    }

    public long shardsRepaired() {
        return repaired.get();
    }

    public long auditFailures() {
        return auditsFailed.get() + auditsMissed.get();
    }

    public long repairBytes() {
        return bytes.get();
    }

    /** Prometheus text. */
    public String render() {
        StringBuilder b = new StringBuilder();
        gauge(b, "stoq_repair_shards_below_policy", "Shards this node is the repair owner of with fewer good copies on reachable "
                + "nodes than their policy wants.", belowPolicy.get());
        gauge(b, "stoq_repair_shards_awaiting_grace", "Of those, shards whose missing copies are on nodes unreachable for less "
                + "than repair.grace (not repaired yet).", awaitingGrace.get());
        gauge(b, "stoq_repair_shards_backing_off", "Of those, shards whose last repair failed, waiting before the next try.",
                backingOff.get());
        gauge(b, "stoq_repair_partitioned", "1 while this node hears fewer than half the nodes it knows and so repairs and audits "
                + "no other node's copies.", partitioned.get());
        gauge(b, "stoq_repair_census_shards", "Distinct shards the ledger's location proofs name, as this node read them.", census.get());
        counter(b, "stoq_repair_copies_total", "Shard copies repair made on other nodes (or here) for shards below policy.",
                repaired.get());
        counter(b, "stoq_repair_restored_here_total", "Copies this node lost (quarantined, missing) and fetched back from holders.",
                restoredHere.get());
        counter(b, "stoq_repair_failures_total", "Repairs that found no copy to read or no node to place it on.", repairFailures.get());
        counter(b, "stoq_repair_bytes_total", "Shard bytes repair and audits fetched and pushed.", bytes.get());
        b.append("# HELP stoq_audits_total Audit challenges this node sent, by outcome.\n# TYPE stoq_audits_total counter\n");
        b.append("stoq_audits_total{result=\"passed\"} ").append(auditsPassed.get()).append('\n');
        b.append("stoq_audits_total{result=\"failed\"} ").append(auditsFailed.get()).append('\n');
        b.append("stoq_audits_total{result=\"missed\"} ").append(auditsMissed.get()).append('\n');
        counter(b, "stoq_audit_failures_total", "Audit challenges failed or unanswered (each marks the copy bad and triggers repair).",
                auditFailures());
        return b.toString();
    }

    private static void gauge(StringBuilder b, String name, String help, long v) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(v).append('\n');
    }

    private static void counter(StringBuilder b, String name, String help, long v) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(v).append('\n');
    }
}
