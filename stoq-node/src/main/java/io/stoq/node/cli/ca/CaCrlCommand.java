package io.stoq.node.cli.ca;

import io.stoq.crypto.ca.CertificateAuthority;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stoq ca crl}: signs a fresh revocation list. */
@Command(name = "crl",
        description = {"Sign a fresh certificate revocation list with the intermediate key.",
            "It goes to crl.pem in the CA directory (and to --out if given). Run it before",
            "the current CRL's next-update time, or verifiers refuse it as stale."})
public final class CaCrlCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    CaOptions ca;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the CRL here.")
    Path out;

    @Override
    public Integer call() throws Exception {
        CertificateAuthority authority = ca.open();
        X509CRL crl = authority.crl();
        if (out != null) {
            PemFiles.writeCrl(out, crl);
        }
        int revoked = crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size();
        PrintWriter w = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("file", authority.crlFile().toString());
            json.put("thisUpdate", crl.getThisUpdate().toInstant().toString());
            json.put("nextUpdate", crl.getNextUpdate().toInstant().toString());
            json.put("revoked", revoked);
            json.put("pem", PemFiles.encode("X509 CRL", crl.getEncoded()));
            Json.print(w, json);
        } else {
            w.printf("Signed CRL with %d revoked certificate(s), current until %s: %s%n", revoked,
                    crl.getNextUpdate().toInstant(), authority.crlFile());
        }
        w.flush();
        return 0;
    }
}
