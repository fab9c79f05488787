package io.stoq.node.cli.ca;

import io.stoq.crypto.ca.CertificateAuthority;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeIdentityExtension;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stoq ca issue}: checks a node CSR and issues a short-lived node certificate. */
@Command(
        name = "issue",
        description = {
            "Verify a node's CSR and issue it a short-lived node certificate.",
            "The CSR's Falcon-512 proof of possession, node id, zone, roles, and TLS and",
            "ML-KEM key hashes are checked. Writes the chain (node certificate, then",
            "intermediate) as PEM."
        },
        footer = {"", "Examples:", "  stoq ca issue",
            "  stoq ca issue --ca-dir ca --csr node-2/node.csr.pem \\",
            "      --out node-2/node.crt.pem --days 7"})
public final class CaIssueCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    CaOptions ca;

    @Option(names = "--csr", paramLabel = "FILE", defaultValue = "node/node.csr.pem", description = "The node's CSR (default: ${DEFAULT-VALUE}).")
    Path csr;

    @Option(names = "--out", paramLabel = "FILE",
            description = {"Where to write the certificate chain", "(default: node.crt.pem next to the CSR)."})
    Path out;

    @Option(names = "--days", defaultValue = "30", description = "Validity in days, at most 397 (default: ${DEFAULT-VALUE}).")
    long days;

    @Override
    public Integer call() throws Exception {
        CertificateAuthority authority = ca.open();
        List<X509Certificate> chain = authority.issue(PemFiles.readCsr(csr), Duration.ofDays(days));
        Path target = out != null ? out : csr.toAbsolutePath().resolveSibling("node.crt.pem");
        PemFiles.writeCertificates(target, chain);
        X509Certificate node = chain.get(0);
        NodeClaims claims = NodeIdentityExtension.from(node);
        PrintWriter w = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("serial", node.getSerialNumber().toString(16));
            json.put("nodeId", claims.nodeId());
            json.put("zone", claims.zone());
            json.put("roles", claims.roles().stream().map(NodeRole::wireName).toList());
            json.put("tlsKeySha3", claims.tlsKeyHash().toHex());
            json.put("kemKeySha3", claims.kemKeyHash().toHex());
            json.put("notBefore", node.getNotBefore().toInstant().toString());
            json.put("notAfter", node.getNotAfter().toInstant().toString());
            json.put("file", target.toString());
            json.put("pem", PemFiles.encode("CERTIFICATE", node.getEncoded()) + PemFiles.encode("CERTIFICATE", chain.get(1).getEncoded()));
            Json.print(w, json);
        } else {
            w.printf("Issued certificate %s for node %s (zone %s, roles %s), valid until %s%n",
                    node.getSerialNumber().toString(16), claims.nodeId(), claims.zone(),
                    String.join(",", claims.roles().stream().map(NodeRole::wireName).toList()), node.getNotAfter().toInstant());
            w.printf("Wrote %s (node certificate + intermediate)%n", target);
        }
        w.flush();
        return 0;
    }
}
