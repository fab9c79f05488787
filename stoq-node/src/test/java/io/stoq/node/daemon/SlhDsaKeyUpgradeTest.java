package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.ca.CertificateAuthority;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeCsr;
import io.stoq.crypto.ca.NodeIdentityExtension;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.cli.StoqCli;
import io.stoq.node.config.NodeConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory from before nodes had an SLH-DSA manifest key: key directory without
 * {@code slhdsa.key.pem}, certificate with a version-1 identity extension. A production start
 * refuses it, saying what to do at each step; the dev identity upgrades it by itself.
 */
@Timeout(300)
class SlhDsaKeyUpgradeTest {
    @TempDir
    Path data;

    /** What a data directory made by the previous version looks like. */
    private void makeOldDataDirectory() throws Exception {
        DevIdentity.ensure(data);
        Path node = data.resolve("node");
        NodeKeys keys = NodeKeys.load(node, null);
        Files.delete(node.resolve(NodeKeys.SLH_DSA_KEY));
        Files.delete(node.resolve(NodeKeys.SLH_DSA_PUB));
        NodeClaims v1 = NodeClaims.of("dev-node", "dev", EnumSet.allOf(NodeRole.class), keys.tls().getPublic(), keys.kem().getPublic());
        CertificateAuthority ca = CertificateAuthority.open(data.resolve("ca"), null, Clock.systemUTC());
        PemFiles.writeCertificates(node.resolve("node.crt.pem"), ca.issue(NodeCsr.create(keys.falcon(), v1), Duration.ofDays(30)));
    }

    private NodeException startFails() throws NodeException {
        NodeConfig config = NodeConfig.load(null, Map.of(), Map.of("data.dir", data.toString(), "api.port", "0", "store.min-free", "0B",
                "peer.bind", "127.0.0.1:0"));
        try {
            StoqNode.start(config, Clock.systemUTC(), false).close();
        } catch (NodeException e) {
            return e;
        }
        throw new AssertionError("the node started");
    }

    private StoqNode start() throws NodeException {
        NodeConfig config = NodeConfig.load(null, Map.of(), Map.of("data.dir", data.toString(), "api.port", "0", "store.min-free", "0B",
                "peer.bind", "127.0.0.1:0"));
        return StoqNode.start(config, Clock.systemUTC(), false);
    }

    @Test
    void aProductionNodeRefusesEachMissingStepWithTheWayOut() throws Exception {
        makeOldDataDirectory();
        NodeException noKey = startFails();
        assertThat(noKey.code()).isEqualTo(NodeErrorCode.BAD_CONFIG);
        assertThat(noKey.getMessage()).contains("has no SLH-DSA manifest key").contains("stoq node keygen --out")
                .contains("--add-missing");

        CommandLine run = new CommandLine("node", "keygen", "--out", data.resolve("node").toString(), "--add-missing");
        assertThat(run.exit).as(run.err).isZero();
        assertThat(run.out).contains("Added the SLH-DSA manifest key").contains("stoq node csr");
        assertThat(new CommandLine("node", "keygen", "--out", data.resolve("node").toString(), "--add-missing").exit)
                .as("a second --add-missing has nothing to add").isEqualTo(16);

        NodeException oldCertificate = startFails();
        assertThat(oldCertificate.code()).isEqualTo(NodeErrorCode.BAD_CONFIG);
        assertThat(oldCertificate.getMessage()).contains("binds no SLH-DSA manifest key").contains("stoq node csr");

        // The operator's next steps: a CSR (now carrying the SLH-DSA key hash) and a new certificate.
        CommandLine csr = new CommandLine("node", "csr", "--keys", data.resolve("node").toString(), "--node-id", "dev-node",
                "--zone", "dev", "--json");
        assertThat(csr.exit).as(csr.err).isZero();
        assertThat(csr.out).contains("slhDsaKeySha3");
        NodeKeys keys = NodeKeys.load(data.resolve("node"), null);
        CertificateAuthority ca = CertificateAuthority.open(data.resolve("ca"), null, Clock.systemUTC());
        var chain = ca.issue(PemFiles.readCsr(data.resolve("node/node.csr.pem")), Duration.ofDays(30));
        assertThat(NodeIdentityExtension.from(chain.get(0)).slhDsaKeyHash()).contains(NodeClaims.keyHash(keys.slhDsa().publicKey()));
        PemFiles.writeCertificates(data.resolve("node/node.crt.pem"), chain);
        try (StoqNode node = start()) {
            assertThat(node.identity().slhDsaKeyHash()).contains(NodeClaims.keyHash(keys.slhDsa().publicKey()));
        }
    }

    @Test
    void theDevIdentityAddsTheKeyAndRenewsTheCertificate() throws Exception {
        makeOldDataDirectory();
        DevIdentity.Result upgraded = DevIdentity.ensure(data);
        assertThat(upgraded.created()).isTrue();
        NodeKeys keys = NodeKeys.load(data.resolve("node"), null);
        assertThat(upgraded.identity().slhDsaKeyHash()).contains(NodeClaims.keyHash(keys.slhDsa().publicKey()));
        try (StoqNode node = start()) {
            assertThat(node.identity().slhDsaKeyHash()).contains(NodeClaims.keyHash(keys.slhDsa().publicKey()));
        }
        assertThat(DevIdentity.ensure(data).created()).as("nothing left to upgrade").isFalse();
    }

    @Test
    void aCertificateForAnotherSlhDsaKeyIsRefused() throws Exception {
        DevIdentity.ensure(data);
        Path node = data.resolve("node");
        NodeKeys other = NodeKeys.generate();
        Files.delete(node.resolve(NodeKeys.SLH_DSA_KEY));
        Files.delete(node.resolve(NodeKeys.SLH_DSA_PUB));
        PemFiles.writePrivateKey(node.resolve(NodeKeys.SLH_DSA_KEY), other.slhDsa().privateKey(), null);
        PemFiles.writePublicKey(node.resolve(NodeKeys.SLH_DSA_PUB), other.slhDsa().publicKey());
        assertThat(startFails().getMessage()).contains("SLH-DSA key hash mismatch");
        assertThatThrownBy(() -> NodeKeys.addSlhDsaKey(node, null)).hasMessageContaining("already exists");
    }

    /** One in-process {@code stoq} run. */
    private static final class CommandLine {
        final int exit;
        final String out;
        final String err;

        CommandLine(String... args) {
            picocli.CommandLine cli = StoqCli.commandLine();
            StringWriter o = new StringWriter();
            StringWriter e = new StringWriter();
            cli.setOut(new PrintWriter(o, true));
            cli.setErr(new PrintWriter(e, true));
            exit = cli.execute(args);
            out = o.toString();
            err = e.toString();
        }
    }
}
