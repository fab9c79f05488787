package io.stoq.node.peer;

import io.stoq.net.NetErrorCode;
import io.stoq.net.PeerMetrics;
import io.stoq.net.discovery.Liveness;
import io.stoq.net.discovery.PeerStatus;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the peer layer's metrics in the Prometheus text format, appended to the API's
 * {@code /metrics}. Per-peer series are labelled by node id and zone and come from discovery's
 * membership only (certified, non-revoked nodes, at most {@code discovery.max-records}), so no
 * peer can add series by claiming names; the transport's counters are labelled by error-code
 * enum constants. Rendered at scrape time, so a node that leaves the membership leaves the
 * output too.
 */
final class PeerMetricsText {
    private PeerMetricsText() {}

    static String render(List<PeerStatus> peers, PeerMetrics.Snapshot transport) {
        StringBuilder out = new StringBuilder(256 + peers.size() * 400);
        family(out, "stoq_peer_up", "1 for each member in the given liveness state (alive, suspect, dead, unknown), else 0");
        for (PeerStatus p : peers) {
            for (Liveness l : Liveness.values()) {
                sample(out, "stoq_peer_up", p, ",state=\"" + l.name().toLowerCase(Locale.ROOT) + "\"", p.liveness() == l ? 1 : 0);
            }
        }
        family(out, "stoq_peer_rtt_seconds", "round-trip time to the member (moving average of heartbeat pings)");
        for (PeerStatus p : peers) {
            if (p.rtt() != null) {
                sample(out, "stoq_peer_rtt_seconds", p, "", p.rtt().toNanos() / 1e9);
            }
        }
        family(out, "stoq_peer_throughput_bytes_per_second", "shard transfer rate from the member (moving average), 0 until measured");
        for (PeerStatus p : peers) {
            sample(out, "stoq_peer_throughput_bytes_per_second", p, "", p.throughputBytesPerSecond());
        }
        family(out, "stoq_peer_members", "nodes in this node's membership, itself excluded");
        out.append("stoq_peer_members ").append(peers.size()).append('\n');
        family(out, "stoq_peer_connections_open", "open peer connections, both directions");
        out.append("stoq_peer_connections_open ").append(transport.openConnections()).append('\n');
        counters(out, "stoq_peer_connections_refused_total", "peer connections refused, by reason", transport.refused());
        counters(out, "stoq_peer_stream_errors_total", "peer streams answered with an error, by code", transport.streamErrors());
        return out.toString();
    }

    private static void family(StringBuilder out, String name, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
    }

    private static void counters(StringBuilder out, String name, String help, Map<NetErrorCode, Long> counts) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
        counts.forEach((code, n) -> out.append(name).append("{code=\"").append(code.name()).append("\"} ").append(n).append('\n'));
    }

    private static void sample(StringBuilder out, String name, PeerStatus p, String extra, double value) {
        out.append(name).append("{node=\"").append(escape(p.nodeId())).append("\",zone=\"").append(escape(p.zone())).append('"')
                .append(extra).append("} ").append(value).append('\n');
    }

    /** Label value escaping of the text format: backslash, double quote and line feed. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
