package io.stoq.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin flow of issue #3 through the real CLI: init, keygen, csr, issue, verify, revoke, crl, list. */
class CaCliTest {
    @TempDir
    Path tmp;

    private String p(String name) {
        return tmp.resolve(name).toString();
    }

    private void admit(String nodeDir, String nodeId) {
        assertThat(CliRun.of("node", "keygen", "--out", p(nodeDir)).exitCode()).isZero();
        assertThat(CliRun.of("node", "csr", "--keys", p(nodeDir), "--node-id", nodeId, "--zone", "eu-1", "--roles", "storage").exitCode()).isZero();
        assertThat(CliRun.of("ca", "issue", "--ca-dir", p("ca"), "--csr", p(nodeDir + "/node.csr.pem")).exitCode()).isZero();
    }

    @Test
    void newcomerFlowWithJsonOutput() throws Exception {
        CliRun init = CliRun.of("ca", "init", "--ca-dir", p("ca"), "--network", "testnet", "--json");
        assertThat(init.exitCode()).as(init.err()).isZero();
        assertThat(init.json().get("root").get("pem").asText()).startsWith("-----BEGIN CERTIFICATE-----");

        CliRun keygen = CliRun.of("node", "keygen", "--out", p("node"), "--json");
        assertThat(keygen.exitCode()).as(keygen.err()).isZero();
        String tlsHash = keygen.json().get("tlsKeySha3").asText();

        CliRun csr = CliRun.of("node", "csr", "--keys", p("node"), "--node-id", "node-1", "--zone", "eu-1", "--json");
        assertThat(csr.exitCode()).as(csr.err()).isZero();
        assertThat(csr.json().get("tlsKeySha3").asText()).isEqualTo(tlsHash);

        CliRun issue = CliRun.of("ca", "issue", "--ca-dir", p("ca"), "--csr", p("node/node.csr.pem"), "--days", "7", "--json");
        assertThat(issue.exitCode()).as(issue.err()).isZero();
        JsonNode issued = issue.json();
        assertThat(issued.get("nodeId").asText()).isEqualTo("node-1");
        assertThat(issued.get("tlsKeySha3").asText()).isEqualTo(tlsHash);
        assertThat(Files.exists(tmp.resolve("node/node.crt.pem"))).isTrue();

        CliRun verify = CliRun.of("cert", "verify", "--cert", p("node/node.crt.pem"), "--root", p("ca/root.crt.pem"), "--json");
        assertThat(verify.exitCode()).as(verify.err()).isZero();
        assertThat(verify.json().get("valid").asBoolean()).isTrue();
        assertThat(verify.json().get("revocationChecked").asBoolean()).isTrue();
        assertThat(verify.json().get("tlsKeyChecked").asBoolean()).isTrue();

        CliRun list = CliRun.of("ca", "list", "--ca-dir", p("ca"), "--json");
        assertThat(list.json().get("certificates").get(0).get("status").asText()).isEqualTo("valid");
    }

    @Test
    void revokedCertificateFailsVerification() throws Exception {
        assertThat(CliRun.of("ca", "init", "--ca-dir", p("ca")).exitCode()).isZero();
        admit("node", "node-1");
        CliRun revoke = CliRun.of("ca", "revoke", "--ca-dir", p("ca"), p("node/node.crt.pem"), "--reason", "key_compromise");
        assertThat(revoke.exitCode()).as(revoke.err()).isZero();

        CliRun verify = CliRun.of("cert", "verify", "--cert", p("node/node.crt.pem"), "--root", p("ca/root.crt.pem"));
        assertThat(verify.exitCode()).isEqualTo(14);
        assertThat(verify.isOneLineError()).as(verify.err()).isTrue();
        assertThat(verify.err()).contains("is revoked");
        CliRun json = CliRun.of("cert", "verify", "--cert", p("node/node.crt.pem"), "--root", p("ca/root.crt.pem"), "--json");
        assertThat(json.json().get("valid").asBoolean()).isFalse();
        assertThat(json.json().get("reason").asText()).contains("is revoked");

        assertThat(CliRun.of("ca", "list", "--ca-dir", p("ca"), "--json").json().get("certificates").get(0).get("status").asText())
                .isEqualTo("revoked");
        assertThat(CliRun.of("ca", "crl", "--ca-dir", p("ca"), "--json").json().get("revoked").asInt()).isEqualTo(1);
    }

    @Test
    void verifyNamesTheBrokenRule() throws Exception {
        assertThat(CliRun.of("ca", "init", "--ca-dir", p("ca")).exitCode()).isZero();
        assertThat(CliRun.of("ca", "init", "--ca-dir", p("other-ca")).exitCode()).isZero();
        admit("node", "node-1");
        String cert = p("node/node.crt.pem");

        CliRun expired = CliRun.of("cert", "verify", "--cert", cert, "--root", p("ca/root.crt.pem"), "--no-crl", "--at", "2099-01-01T00:00:00Z");
        assertThat(expired.err()).contains("expired on");
        CliRun foreign = CliRun.of("cert", "verify", "--cert", cert, "--root", p("other-ca/root.crt.pem"), "--no-crl");
        assertThat(foreign.err()).contains("does not verify");
        CliRun wrongTls = CliRun.of("node", "keygen", "--out", p("other-node"));
        assertThat(wrongTls.exitCode()).isZero();
        CliRun mismatch = CliRun.of("cert", "verify", "--cert", cert, "--root", p("ca/root.crt.pem"), "--tls-key", p("other-node/tls.pub.pem"));
        assertThat(mismatch.err()).contains("TLS key hash mismatch");
        for (CliRun run : new CliRun[] {expired, foreign, mismatch}) {
            assertThat(run.exitCode()).isEqualTo(14);
            assertThat(run.isOneLineError()).as(run.err()).isTrue();
        }
    }

    @Test
    void badInputGetsOneLineErrorsAndNonZeroExit() throws Exception {
        Files.writeString(tmp.resolve("garbage.pem"), "-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n");
        Files.writeString(tmp.resolve("pass"), "right\n");
        Files.writeString(tmp.resolve("wrong"), "wrong\n");
        assertThat(CliRun.of("ca", "init", "--ca-dir", p("ca"), "--passphrase-file", p("pass")).exitCode()).isZero();

        CliRun[] failures = {
            CliRun.of("cert", "verify", "--cert", p("garbage.pem"), "--root", p("ca/root.crt.pem")),
            CliRun.of("ca", "issue", "--ca-dir", p("ca"), "--passphrase-file", p("pass"), "--csr", p("garbage.pem")),
            CliRun.of("ca", "list", "--ca-dir", p("ca"), "--passphrase-file", p("wrong")),
            CliRun.of("ca", "list", "--ca-dir", p("ca")),
            CliRun.of("ca", "list", "--ca-dir", p("no-such-ca")),
            CliRun.of("ca", "revoke", "--ca-dir", p("ca"), "--passphrase-file", p("pass"), "zz-not-a-serial"),
            CliRun.of("ca", "init", "--ca-dir", p("ca")),
            CliRun.of("node", "csr", "--keys", p("missing-keys")),
            CliRun.of("cert", "verify", "--cert", p("nothing.pem")),
        };
        for (CliRun run : failures) {
            assertThat(run.isOneLineError()).as("exit %d, stderr: %s", run.exitCode(), run.err()).isTrue();
        }
        assertThat(failures[2].err()).contains("wrong passphrase");
        assertThat(failures[2].exitCode()).isEqualTo(12);

        Files.setPosixFilePermissions(tmp.resolve("ca"), PosixFilePermissions.fromString("rwxr-x---"));
        CliRun loose = CliRun.of("ca", "list", "--ca-dir", p("ca"), "--passphrase-file", p("pass"));
        assertThat(loose.exitCode()).isEqualTo(13);
        assertThat(loose.err()).contains("must be 0700");
    }

    @Test
    void csrSignedByAnotherKeyIsRefusedByTheCli() throws Exception {
        assertThat(CliRun.of("ca", "init", "--ca-dir", p("ca")).exitCode()).isZero();
        assertThat(CliRun.of("node", "keygen", "--out", p("a")).exitCode()).isZero();
        assertThat(CliRun.of("node", "keygen", "--out", p("b")).exitCode()).isZero();
        // Splice: b's private key with a's public key makes a CSR whose signature cannot verify.
        Files.copy(tmp.resolve("b/falcon.key.pem"), tmp.resolve("a/falcon.key.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CliRun csr = CliRun.of("node", "csr", "--keys", p("a"));
        assertThat(csr.isOneLineError()).as(csr.err()).isTrue();
        assertThat(csr.err()).contains("does not belong to");
    }

    @Test
    void usageErrorsExitTwoAndHelpTeaches() {
        CliRun unknown = CliRun.of("ca", "frobnicate");
        assertThat(unknown.exitCode()).isEqualTo(2);
        CliRun help = CliRun.of("ca", "issue", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Examples:").contains("--days");
        CliRun top = CliRun.of("--help");
        assertThat(top.out()).contains("dev", "ca", "node", "cert", "bench");
    }
}
