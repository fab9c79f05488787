package io.stoq.node.cli.cert;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.NodeCertificateValidator;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stoq cert verify}: PKIX validation of a node certificate chain, with the reason when it fails. */
@Command(
        name = "verify",
        description = {
            "Validate a node certificate chain against the network root.",
            "PKIX rules plus stoq's node profile: issuer and signatures, validity period, key",
            "usage, revocation (CRL), the node identity extension, and optionally that a TLS",
            "public key is the one the certificate vouches for. Prints why it fails; exit",
            "code 14."
        },
        footer = {"", "Examples:", "  stoq cert verify",
            "  stoq cert verify --cert node/node.crt.pem --root ca/root.crt.pem \\",
            "      --crl ca/crl.pem --tls-key node/tls.pub.pem",
            "  stoq cert verify --cert node.crt.pem --root root.crt.pem --no-crl \\",
            "      --at 2027-01-01T00:00:00Z"})
public final class CertVerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--cert", paramLabel = "FILE", defaultValue = "node/node.crt.pem",
            description = "Chain to check: node certificate, then intermediate (default: ${DEFAULT-VALUE}).")
    Path cert;

    @Option(names = "--root", paramLabel = "FILE", defaultValue = "ca/root.crt.pem", description = "Trusted network root (default: ${DEFAULT-VALUE}).")
    Path root;

    @Option(names = "--crl", paramLabel = "FILE", description = {"Revocation list to check", "(default: crl.pem beside the root, if present)."})
    Path crl;

    @Option(names = "--no-crl", description = "Skip the revocation check.")
    boolean noCrl;

    @Option(names = "--tls-key", paramLabel = "FILE", description = {"TLS public key the certificate must vouch for",
            "(default: tls.pub.pem next to the certificate, when there is one)."})
    Path tlsKey;

    @Option(names = "--at", paramLabel = "INSTANT", description = {"Validate at this time instead of now (ISO-8601,", "for example 2027-01-01T00:00:00Z)."})
    String at;

    @Override
    public Integer call() throws Exception {
        Instant when = parseInstant(at);
        List<X509Certificate> chain = PemFiles.readCertificates(cert);
        X509Certificate trusted = PemFiles.readCertificate(root);
        Path crlFile = noCrl ? null : crl != null ? crl : existing(root.toAbsolutePath().resolveSibling("crl.pem"));
        Path tlsFile = tlsKey != null ? tlsKey : existing(cert.toAbsolutePath().resolveSibling("tls.pub.pem"));
        PrintWriter out = spec.commandLine().getOut();
        try {
            NodeIdentity id = crlFile != null
                    ? NodeCertificateValidator.validate(chain, trusted, when, PemFiles.readCrl(crlFile))
                    : NodeCertificateValidator.validate(chain, trusted, when, Set.of());
            if (tlsFile != null) {
                NodeCertificateValidator.requireTlsKey(id, PemFiles.readPublicKey(tlsFile));
            }
            if (common.json) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("valid", true);
                json.put("nodeId", id.nodeId());
                json.put("zone", id.zone());
                json.put("roles", id.roles().stream().map(NodeRole::wireName).toList());
                json.put("serial", id.serial().toString(16));
                json.put("notAfter", id.notAfter().toString());
                json.put("revocationChecked", crlFile != null);
                json.put("tlsKeyChecked", tlsFile != null);
                Json.print(out, json);
            } else {
                out.printf("OK: %s is a valid certificate for node %s (zone %s, roles %s) until %s%n", cert, id.nodeId(), id.zone(),
                        String.join(",", id.roles().stream().map(NodeRole::wireName).toList()), id.notAfter());
                out.printf("  checked: chain to %s, %s, %s%n", root,
                        crlFile != null ? "revocation (" + crlFile + ")" : "no revocation list",
                        tlsFile != null ? "TLS key (" + tlsFile + ")" : "no TLS key");
            }
            out.flush();
            return 0;
        } catch (CryptoException e) {
            if (common.json && e.code() == CryptoErrorCode.CERTIFICATE_REJECTED) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("valid", false);
                json.put("reason", e.getMessage());
                Json.print(out, json);
                return e.exitCode();
            }
            throw new CryptoException(e.code(), "certificate rejected: " + e.getMessage(), e);
        }
    }

    private static Path existing(Path file) {
        return Files.isRegularFile(file) ? file : null;
    }

    private static Instant parseInstant(String text) throws CryptoException {
        if (text == null) {
            return Instant.now();
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "--at '" + text + "' is not an ISO-8601 instant like 2027-01-01T00:00:00Z");
        }
    }
}
