package io.stoq.node.cli.ca;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.CertificateAuthority;
import io.stoq.crypto.ca.CertificateIssuer.RevocationReason;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoq ca revoke}: revokes a node certificate and re-signs the CRL. */
@Command(
        name = "revoke",
        description = {"Revoke a node certificate and re-sign crl.pem.",
            "Name it by its hex serial, as `stoq ca list` shows it, or by its certificate",
            "file. Nodes and `stoq cert verify --crl` refuse it from then on."},
        footer = {"", "Examples:", "  stoq ca revoke 3f2a9c...", "  stoq ca revoke node-2/node.crt.pem --reason key_compromise"})
public final class CaRevokeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    CaOptions ca;

    @Parameters(paramLabel = "SERIAL|CERT", description = "Hex serial of the certificate, or a PEM file holding it.")
    String target;

    @Option(names = "--reason", defaultValue = "unspecified",
            description = "One of: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    RevocationReason reason;

    @Override
    public Integer call() throws Exception {
        BigInteger serial = serialOf(target);
        CertificateAuthority authority = ca.open();
        authority.revoke(serial, reason);
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("serial", serial.toString(16));
            json.put("reason", reason.name().toLowerCase(java.util.Locale.ROOT));
            json.put("crl", authority.crlFile().toString());
            Json.print(out, json);
        } else {
            out.printf("Revoked %s (%s); CRL re-signed at %s%n", serial.toString(16), reason.name().toLowerCase(java.util.Locale.ROOT), authority.crlFile());
        }
        out.flush();
        return 0;
    }

    private static BigInteger serialOf(String target) throws CryptoException {
        Path file = Path.of(target);
        if (Files.isRegularFile(file)) {
            return PemFiles.readCertificates(file).get(0).getSerialNumber();
        }
        try {
            return new BigInteger(target.toLowerCase(java.util.Locale.ROOT).replace(":", ""), 16);
        } catch (NumberFormatException e) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "'" + target + "' is neither a hex serial nor a certificate file");
        }
    }
}
