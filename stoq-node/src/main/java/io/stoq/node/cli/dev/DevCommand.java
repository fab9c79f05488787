package io.stoq.node.cli.dev;

import io.stoq.crypto.ca.CertificateAuthority;
import io.stoq.crypto.ca.NodeCertificateValidator;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeCsr;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stoq dev}: a single-node development network under {@code ./data}.
 *
 * <p>First start creates a development CA and a node identity (keys, CSR, certificate) so the node
 * boots exactly like a production node; later starts reuse them. The node daemon itself (FragMint
 * API, ledger, shard store) is not part of this build yet, so after preparing the identity the
 * command says so plainly instead of pretending to serve.
 */
@Command(
        name = "dev",
        description = {"Run a single-node development network: creates a dev CA, node keys and certificate under",
            "--data on first start (unencrypted keys: development only), then starts the node."},
        footer = {"", "Examples:", "  stoq dev", "  stoq dev --data /tmp/stoq-dev --port 9090"})
public final class DevCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "data", description = "Data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--port", defaultValue = "8080", description = "API port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path caDir = data.resolve("ca");
        Path nodeDir = data.resolve("node");
        Path certFile = nodeDir.resolve("node.crt.pem");
        Files.createDirectories(data);
        boolean created = false;
        if (!Files.exists(caDir)) {
            CertificateAuthority.init(caDir, "stoq-dev", null, null, CertificateAuthority.Policy.DEFAULT, Clock.systemUTC());
            created = true;
        }
        if (!Files.exists(nodeDir.resolve(NodeKeys.FALCON_KEY))) {
            NodeKeys.generate().write(nodeDir, null);
            created = true;
        }
        NodeKeys keys = NodeKeys.load(nodeDir, null);
        CertificateAuthority ca = CertificateAuthority.open(caDir, null, Clock.systemUTC());
        if (!Files.exists(certFile) || expiresSoon(certFile)) {
            NodeClaims claims = NodeClaims.of("dev-node", "dev", EnumSet.allOf(NodeRole.class), keys.tls().getPublic(), keys.kem().getPublic());
            PemFiles.writeCertificates(certFile, ca.issue(NodeCsr.create(keys.falcon(), claims), Duration.ofDays(30)));
            created = true;
        }
        List<X509Certificate> chain = PemFiles.readCertificates(certFile);
        NodeIdentity id = NodeCertificateValidator.validate(chain, ca.root(), Instant.now(), PemFiles.readCrl(ca.crlFile()));
        NodeCertificateValidator.requireTlsKey(id, keys.tls().getPublic());

        String message = "The node daemon (FragMint API on 127.0.0.1:" + port + ") is not part of this build yet; "
                + "the development identity is ready and the CA/CLI commands work (see `stoq --help`).";
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("data", data.toAbsolutePath().toString());
            json.put("nodeId", id.nodeId());
            json.put("certificateSerial", id.serial().toString(16));
            json.put("certificateNotAfter", id.notAfter().toString());
            json.put("created", created);
            json.put("daemon", "unavailable");
            json.put("message", message);
            Json.print(out, json);
        } else {
            out.printf("stoq dev: %s development identity in %s%n", created ? "created" : "reusing", data.toAbsolutePath());
            out.printf("  node %s, certificate %s valid until %s%n", id.nodeId(), id.serial().toString(16), id.notAfter());
            out.printf("  CA %s, node keys %s%n", caDir, nodeDir);
            out.println(message);
        }
        out.flush();
        return 0;
    }

    private static boolean expiresSoon(Path certFile) throws Exception {
        X509Certificate cert = PemFiles.readCertificates(certFile).get(0);
        return cert.getNotAfter().toInstant().isBefore(Instant.now().plus(Duration.ofDays(2)));
    }
}
