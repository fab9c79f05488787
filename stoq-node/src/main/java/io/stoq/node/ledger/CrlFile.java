package io.stoq.node.ledger;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CRLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network CA's current CRL as the node has it ({@code node.crl}), which every proof bundle
 * carries as revocation evidence. Read afresh for each proof (a few KiB), so an operator's cron
 * that refreshes the file (`stoq ca crl`) takes effect without a restart. Thread-safe.
 */
public final class CrlFile {
    private static final Logger LOG = LoggerFactory.getLogger(CrlFile.class);

    private final Path file;
    private final AtomicBoolean warnedMissing = new AtomicBoolean();

    public CrlFile(Path file) {
        this.file = file;
    }

    /**
     * The CRL's DER encoding, or nothing when the file does not exist (logged once: bundles then
     * carry no evidence and their verifiers must bring a CRL). A file that exists but is not a CRL
     * is an error, never silently left out.
     */
    public List<byte[]> current() throws NodeException {
        if (!Files.exists(file)) {
            if (warnedMissing.compareAndSet(false, true)) {
                LOG.warn("no CRL at {} (node.crl): proof bundles carry no revocation evidence, so verifiers must supply the CA's CRL",
                        file);
            }
            return List.of();
        }
        try {
            return List.of(PemFiles.readCrl(file).getEncoded());
        } catch (CryptoException | CRLException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "the CRL " + file + " (node.crl) cannot be read: " + e.getMessage(), e);
        }
    }
}
