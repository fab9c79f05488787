package io.stoq.node.cli.ca;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.CertificateAuthority;
import io.stoq.node.cli.Passphrases;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Option;

/** Options shared by CA commands that open an existing CA. */
public final class CaOptions {
    /** Environment variable holding the intermediate key's passphrase. */
    public static final String PASSPHRASE_ENV = "STOQ_CA_PASSPHRASE";

    @Option(names = "--ca-dir", paramLabel = "DIR", defaultValue = "ca",
            description = "CA directory (default: ${DEFAULT-VALUE}).")
    public Path caDir;

    @Option(names = "--passphrase-file", paramLabel = "FILE",
            description = "File whose first line is the intermediate key's passphrase (else $" + PASSPHRASE_ENV + ").")
    public Path passphraseFile;

    public CertificateAuthority open() throws CryptoException {
        return CertificateAuthority.open(caDir, Passphrases.resolve(passphraseFile, PASSPHRASE_ENV), Clock.systemUTC());
    }
}
