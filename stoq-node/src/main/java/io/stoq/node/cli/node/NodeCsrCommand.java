package io.stoq.node.cli.node;

import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeCsr;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import io.stoq.node.cli.Passphrases;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stoq node csr}: a PKCS#10 request for this node's certificate. */
@Command(
        name = "csr",
        description = {
            "Write a certificate signing request (PKCS#10) signed with the node's Falcon key.",
            "It asks the CA to certify the node id, zone, roles, and the SHA3-256 hashes of",
            "the node's TLS, ML-KEM and SLH-DSA public keys."
        },
        footer = {"", "Examples:", "  stoq node csr", "  stoq node csr --keys node --node-id node-1 --zone eu-west \\", "      --roles storage,voter"})
public final class NodeCsrCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--keys", paramLabel = "DIR", defaultValue = "node", description = "Key directory from `stoq node keygen` (default: ${DEFAULT-VALUE}).")
    Path keys;

    @Option(names = "--node-id", paramLabel = "ID",
            description = {"Node id: lower-case letters, digits, hyphens",
                "(default: node-<8 hex digits of the Falcon key hash>)."})
    String nodeId;

    @Option(names = "--zone", defaultValue = "default", description = "Failure zone / region used to spread replicas (default: ${DEFAULT-VALUE}).")
    String zone;

    @Option(names = "--roles", defaultValue = "storage,voter,gateway",
            description = "Comma-separated roles from storage, voter, gateway (default: ${DEFAULT-VALUE}).")
    String roles;

    @Option(names = "--out", paramLabel = "FILE", description = {"Where to write the CSR", "(default: node.csr.pem in the key directory)."})
    Path out;

    @Option(names = "--passphrase-file", paramLabel = "FILE",
            description = "Passphrase of the node keys (else $" + NodeKeygenCommand.PASSPHRASE_ENV + ").")
    Path passphraseFile;

    @Override
    public Integer call() throws Exception {
        NodeKeys nodeKeys = NodeKeys.load(keys, Passphrases.resolve(passphraseFile, NodeKeygenCommand.PASSPHRASE_ENV));
        String id = nodeId != null ? nodeId : "node-" + nodeKeys.falcon().verifyingKey().fingerprint().toHex().substring(0, 8);
        Set<NodeRole> roleSet = NodeRole.parseList(roles);
        NodeClaims claims = NodeClaims.of(id, zone, roleSet, nodeKeys.tls().getPublic(), nodeKeys.kem().getPublic(),
                nodeKeys.slhDsa().publicKey());
        PKCS10CertificationRequest csr = NodeCsr.create(nodeKeys.falcon(), claims);
        Path target = out != null ? out : keys.resolve("node.csr.pem");
        PemFiles.writeCsr(target, csr);
        PrintWriter w = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("file", target.toString());
            json.put("nodeId", id);
            json.put("zone", zone);
            json.put("roles", roleSet.stream().map(NodeRole::wireName).toList());
            json.put("tlsKeySha3", claims.tlsKeyHash().toHex());
            json.put("kemKeySha3", claims.kemKeyHash().toHex());
            json.put("slhDsaKeySha3", NodeClaims.keyHash(nodeKeys.slhDsa().publicKey()).toHex());
            json.put("pem", PemFiles.encode("CERTIFICATE REQUEST", csr.getEncoded()));
            Json.print(w, json);
        } else {
            w.printf("Wrote CSR for node %s (zone %s, roles %s) to %s%n", id, zone,
                    String.join(",", roleSet.stream().map(NodeRole::wireName).toList()), target);
            w.printf("Next: the CA admin runs `stoq ca issue --csr %s`%n", target);
        }
        w.flush();
        return 0;
    }
}
