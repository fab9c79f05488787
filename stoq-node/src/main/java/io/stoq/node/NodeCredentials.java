package io.stoq.node;

import io.stoq.crypto.ca.NodeKeys;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Who a node is and whom it trusts, loaded and checked once at start ({@code StoqNode}) and
 * handed to the parts that prove or check identity (the ledger writer, the peer network): its
 * keys, its certificate chain (node certificate, then the intermediate), the network root, and
 * the CA's CRL file ({@code node.crl}, may be absent on disk).
 */
public record NodeCredentials(NodeKeys keys, List<X509Certificate> chain, X509Certificate root, Path crlFile) {
    public NodeCredentials {
        chain = List.copyOf(chain);
    }
}
