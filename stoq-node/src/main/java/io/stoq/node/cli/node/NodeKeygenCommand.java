package io.stoq.node.cli.node;

import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import io.stoq.node.cli.Passphrases;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stoq node keygen}: creates a node's three key pairs. */
@Command(
        name = "keygen",
        description = {
            "Generate this node's keys into a new owner-only directory.",
            "  falcon.key.pem, falcon.pub.pem  Falcon-512 identity key (the CA certifies it)",
            "  tls.key.pem, tls.pub.pem        ECDSA P-256 key for QUIC's TLS; the",
            "                                  certificate holds its hash",
            "  kem.key.pem, kem.pub.pem        ML-KEM-768 key (data keys are wrapped to it)",
            "Private keys are PKCS#8 PEM, mode 0600, encrypted when a passphrase is given.",
            "Existing keys are never overwritten."
        },
        footer = {"", "Examples:", "  stoq node keygen", "  STOQ_NODE_PASSPHRASE=... stoq node keygen --out /var/lib/stoq/keys"})
public final class NodeKeygenCommand implements Callable<Integer> {
    /** Environment variable holding the node keys' passphrase. */
    public static final String PASSPHRASE_ENV = "STOQ_NODE_PASSPHRASE";

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "node", description = "Key directory to create (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--passphrase-file", paramLabel = "FILE",
            description = {"Encrypt the private keys with this file's first line",
                "(else $" + PASSPHRASE_ENV + "; with neither: unencrypted)."})
    Path passphraseFile;

    @Override
    public Integer call() throws Exception {
        char[] passphrase = Passphrases.resolve(passphraseFile, PASSPHRASE_ENV);
        NodeKeys keys = NodeKeys.generate();
        keys.write(out, passphrase);
        PrintWriter w = spec.commandLine().getOut();
        String falcon = keys.falcon().verifyingKey().fingerprint().toHex();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("dir", out.toAbsolutePath().toString());
            json.put("falconKeySha3", falcon);
            json.put("tlsKeySha3", NodeClaims.keyHash(keys.tls().getPublic()).toHex());
            json.put("kemKeySha3", NodeClaims.keyHash(keys.kem().getPublic()).toHex());
            json.put("encrypted", passphrase != null);
            Json.print(w, json);
        } else {
            w.printf("Generated node keys in %s%n", out.toAbsolutePath());
            w.printf("  Falcon-512 identity  sha3:%s%n", falcon);
            w.printf("  TLS (P-256)          sha3:%s%n", NodeClaims.keyHash(keys.tls().getPublic()).toHex());
            w.printf("  ML-KEM-768           sha3:%s%n", NodeClaims.keyHash(keys.kem().getPublic()).toHex());
            if (passphrase == null) {
                w.println("  warning: private keys are not passphrase-protected.");
            }
            w.printf("Next: stoq node csr --keys %s --node-id NAME --zone ZONE%n", out);
        }
        w.flush();
        return 0;
    }
}
