package io.stoq.node.cli.ca;

import io.stoq.crypto.ca.CertificateAuthority;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import io.stoq.node.cli.Passphrases;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stoq ca init}: creates the root and intermediate CA. */
@Command(
        name = "init",
        description = {
            "Create a new CA: a self-signed Falcon-1024 root and a Falcon-512 intermediate.",
            "The intermediate issues the node certificates. The directory is made owner-only",
            "(0700). Distribute root.crt.pem to every node; move private/root.key.pem offline",
            "afterwards (it is only needed to renew the intermediate)."
        },
        footer = {"", "Examples:", "  stoq ca init",
            "  stoq ca init --ca-dir /srv/stoq-ca --network prod \\",
            "      --passphrase-file int.pass --root-passphrase-file root.pass"})
public final class CaInitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--ca-dir", paramLabel = "DIR", defaultValue = "ca", description = "Directory to create (default: ${DEFAULT-VALUE}).")
    Path caDir;

    @Option(names = "--network", defaultValue = "stoq", description = "Network name, shown in CA subjects (default: ${DEFAULT-VALUE}).")
    String network;

    @Option(names = "--passphrase-file", paramLabel = "FILE",
            description = "Passphrase for the intermediate key (else $" + CaOptions.PASSPHRASE_ENV + "; none: unencrypted, dev only).")
    Path passphraseFile;

    @Option(names = "--root-passphrase-file", paramLabel = "FILE",
            description = "Passphrase for the root key (else $STOQ_CA_ROOT_PASSPHRASE; none: unencrypted, dev only).")
    Path rootPassphraseFile;

    @Option(names = "--root-days", defaultValue = "7300", description = "Root validity in days (default: ${DEFAULT-VALUE}).")
    long rootDays;

    @Option(names = "--intermediate-days", defaultValue = "1825", description = "Intermediate validity in days (default: ${DEFAULT-VALUE}).")
    long intermediateDays;

    @Option(names = "--crl-days", defaultValue = "7", description = "How long each signed CRL stays current (default: ${DEFAULT-VALUE}).")
    long crlDays;

    @Override
    public Integer call() throws Exception {
        char[] rootPass = Passphrases.resolve(rootPassphraseFile, "STOQ_CA_ROOT_PASSPHRASE");
        char[] intPass = Passphrases.resolve(passphraseFile, CaOptions.PASSPHRASE_ENV);
        CertificateAuthority ca = CertificateAuthority.init(caDir, network, rootPass, intPass,
                new CertificateAuthority.Policy(Duration.ofDays(rootDays), Duration.ofDays(intermediateDays), Duration.ofDays(crlDays)),
                Clock.systemUTC());
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("caDir", caDir.toAbsolutePath().toString());
            json.put("network", network);
            json.put("root", Map.of("subject", ca.root().getSubjectX500Principal().getName(),
                    "notAfter", ca.root().getNotAfter().toInstant().toString(), "pem", pem(ca.root())));
            json.put("intermediate", Map.of("subject", ca.intermediate().getSubjectX500Principal().getName(),
                    "notAfter", ca.intermediate().getNotAfter().toInstant().toString(), "pem", pem(ca.intermediate())));
            json.put("keysEncrypted", Map.of("root", rootPass != null, "intermediate", intPass != null));
            Json.print(out, json);
        } else {
            out.printf("Created CA '%s' in %s%n", network, caDir.toAbsolutePath());
            out.printf("  root          %s (Falcon-1024, until %s)%n", caDir.resolve("root.crt.pem"), ca.root().getNotAfter().toInstant());
            out.printf("  intermediate  %s (Falcon-512, until %s)%n", caDir.resolve("intermediate.crt.pem"), ca.intermediate().getNotAfter().toInstant());
            out.printf("  CRL           %s%n", caDir.resolve("crl.pem"));
            if (rootPass == null || intPass == null) {
                out.println("  warning: keys without a passphrase are stored unencrypted; fine for development only.");
            }
            out.printf("Next: move %s offline; issue node certificates with `stoq ca issue`.%n", caDir.resolve("private/root.key.pem"));
        }
        out.flush();
        return 0;
    }

    static String pem(java.security.cert.X509Certificate cert) throws java.security.cert.CertificateEncodingException {
        return PemFiles.encode("CERTIFICATE", cert.getEncoded());
    }
}
