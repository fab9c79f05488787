package io.stoq.node.cli.node;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.sign.SigningKey;
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

/** {@code stoq node keygen}: creates a node's four key pairs, or adds the ones an older directory lacks. */
@Command(
        name = "keygen",
        description = {
            "Generate this node's keys into a new owner-only directory.",
            "  falcon.key.pem, falcon.pub.pem  Falcon-512 identity key (the CA certifies it)",
            "  tls.key.pem, tls.pub.pem        ECDSA P-256 key for QUIC's TLS; the",
            "                                  certificate holds its hash",
            "  kem.key.pem, kem.pub.pem        ML-KEM-768 key (data keys are wrapped to it)",
            "  slhdsa.key.pem, slhdsa.pub.pem  SLH-DSA key: signs asset manifests; the",
            "                                  certificate holds its hash",
            "Private keys are PKCS#8 PEM, mode 0600, encrypted when a passphrase is given.",
            "Existing keys are never overwritten. With --add-missing, add only the SLH-DSA",
            "key to an older directory, then make a new CSR: a node starts only with a",
            "certificate binding it."
        },
        footer = {"", "Examples:", "  stoq node keygen", "  STOQ_NODE_PASSPHRASE=... stoq node keygen --out /var/lib/stoq/keys",
            "  stoq node keygen --out node --add-missing"})
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

    @Option(names = "--add-missing",
            description = "Add the SLH-DSA key to a directory that lacks it (same passphrase).")
    boolean addMissing;

    @Override
    public Integer call() throws Exception {
        char[] passphrase = Passphrases.resolve(passphraseFile, PASSPHRASE_ENV);
        PrintWriter w = spec.commandLine().getOut();
        if (addMissing) {
            return addMissing(w, passphrase);
        }
        NodeKeys keys = NodeKeys.generate();
        keys.write(out, passphrase);
        String falcon = keys.falcon().verifyingKey().fingerprint().toHex();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("dir", out.toAbsolutePath().toString());
            json.put("falconKeySha3", falcon);
            json.put("tlsKeySha3", NodeClaims.keyHash(keys.tls().getPublic()).toHex());
            json.put("kemKeySha3", NodeClaims.keyHash(keys.kem().getPublic()).toHex());
            json.put("slhDsaKeySha3", NodeClaims.keyHash(keys.slhDsa().publicKey()).toHex());
            json.put("encrypted", passphrase != null);
            Json.print(w, json);
        } else {
            w.printf("Generated node keys in %s%n", out.toAbsolutePath());
            w.printf("  Falcon-512 identity  sha3:%s%n", falcon);
            w.printf("  TLS (P-256)          sha3:%s%n", NodeClaims.keyHash(keys.tls().getPublic()).toHex());
            w.printf("  ML-KEM-768           sha3:%s%n", NodeClaims.keyHash(keys.kem().getPublic()).toHex());
            w.printf("  SLH-DSA-SHA2-128F    sha3:%s%n", NodeClaims.keyHash(keys.slhDsa().publicKey()).toHex());
            if (passphrase == null) {
                w.println("  warning: private keys are not passphrase-protected.");
            }
            w.printf("Next: stoq node csr --keys %s --node-id NAME --zone ZONE%n", out);
        }
        w.flush();
        return 0;
    }

    private int addMissing(PrintWriter w, char[] passphrase) throws CryptoException {
        if (NodeKeys.hasSlhDsaKey(out)) {
            throw new CryptoException(CryptoErrorCode.ALREADY_EXISTS, out + " already holds every node key; nothing to add");
        }
        SigningKey key = NodeKeys.addSlhDsaKey(out, passphrase);
        String hash = NodeClaims.keyHash(key.publicKey()).toHex();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("dir", out.toAbsolutePath().toString());
            json.put("added", java.util.List.of(NodeKeys.SLH_DSA_KEY, NodeKeys.SLH_DSA_PUB));
            json.put("slhDsaKeySha3", hash);
            Json.print(w, json);
        } else {
            w.printf("Added the SLH-DSA manifest key to %s%n", out.toAbsolutePath());
            w.printf("  SLH-DSA-SHA2-128F    sha3:%s%n", hash);
            w.printf("Next: stoq node csr --keys %s, then have the CA issue a new certificate:%n", out);
            w.println("the node will not start until its certificate binds this key.");
        }
        w.flush();
        return 0;
    }
}
