package io.stoq.node.daemon;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.keys.PemFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The node's own gauges for the operator's alerts, appended to {@code /metrics}: the data disk
 * (so "disk nearly full" fires before {@code store.min-free} starts refusing writes), when the
 * node's certificate and its intermediate expire (a node with an expired certificate is refused
 * by every peer), and when the CRL it reads goes stale (verifiers refuse a stale CRL, so
 * {@code stoq ca crl} must run before then).
 *
 * <p>Rendered at scrape time: a full disk or a renewed CRL shows at the next scrape. A value that
 * cannot be read (file system gone, CRL missing or unparsable) leaves its series out rather than
 * report a number that would silence an alert. Every series is fixed, so nothing a client does
 * adds series. The certificate chain is the one the node started with: a renewed certificate
 * takes effect (and shows here) after a restart.
 */
final class NodeMetricsText {
    private final Path dataDir;
    private final long minFreeBytes;
    private final X509Certificate certificate;
    private final X509Certificate intermediate;
    private final Path crlFile;

    /**
     * @param chain the node's chain as it started with it: node certificate first, then the intermediate
     * @param crlFile {@code node.crl}, re-read at each scrape; null when none is configured
     */
    NodeMetricsText(Path dataDir, long minFreeBytes, List<X509Certificate> chain, Path crlFile) {
        this.dataDir = dataDir;
        this.minFreeBytes = minFreeBytes;
        this.certificate = chain.get(0);
        this.intermediate = chain.size() > 1 ? chain.get(1) : null;
        this.crlFile = crlFile;
    }

    String render() {
        StringBuilder out = new StringBuilder(1024);
        try {
            var fs = Files.getFileStore(dataDir);
            long total = fs.getTotalSpace();
            long usable = fs.getUsableSpace();
            gauge(out, "stoq_store_capacity_bytes", "size of the file system holding data.dir");
            out.append("stoq_store_capacity_bytes ").append(total).append('\n');
            gauge(out, "stoq_store_free_bytes", "bytes this node may still write on the file system holding data.dir");
            out.append("stoq_store_free_bytes ").append(usable).append('\n');
        } catch (IOException e) {
            // unknown: no series, so the disk alert neither fires nor clears on a made-up number
        }
        gauge(out, "stoq_store_min_free_bytes", "store.min-free: the reserve below which shard writes are refused");
        out.append("stoq_store_min_free_bytes ").append(minFreeBytes).append('\n');
        gauge(out, "stoq_certificate_expiry_timestamp_seconds",
                "when the certificate this node runs with expires (Unix time); certificate=node or intermediate");
        expiry(out, "node", certificate);
        if (intermediate != null) {
            expiry(out, "intermediate", intermediate);
        }
        if (crlFile != null && Files.isRegularFile(crlFile)) {
            try {
                X509CRL crl = PemFiles.readCrl(crlFile);
                if (crl.getNextUpdate() != null) {
                    gauge(out, "stoq_crl_next_update_timestamp_seconds",
                            "when the CRL (setting node.crl) goes stale (Unix time): run `stoq ca crl` before then");
                    out.append("stoq_crl_next_update_timestamp_seconds ").append(crl.getNextUpdate().getTime() / 1000).append('\n');
                }
            } catch (CryptoException e) {
                // unparsable (e.g. caught mid-replace): no series this scrape; the peer layer logs a bad CRL
            }
        }
        return out.toString();
    }

    private static void expiry(StringBuilder out, String which, X509Certificate cert) {
        out.append("stoq_certificate_expiry_timestamp_seconds{certificate=\"").append(which).append("\"} ")
                .append(cert.getNotAfter().getTime() / 1000).append('\n');
    }

    private static void gauge(StringBuilder out, String name, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
    }
}
