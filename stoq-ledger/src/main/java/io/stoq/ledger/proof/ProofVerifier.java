package io.stoq.ledger.proof;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.NodeCertificateValidator;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.validate.NodeCertificates;
import io.stoq.ledger.validate.TxRejectedException;
import java.math.BigInteger;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Checks a {@link ProofBundle} offline against the network root certificate.
 *
 * <p>What a valid bundle proves: the tx, signed (for the network named by the bundle and the root)
 * by the key it carries, is leaf {@code index} of the tx merkle tree whose root and size the
 * header commits to; the header is signed, for the same network, by a node whose certificate chain
 * the root vouches for, whose certificate grants the voter role and was within its validity at the
 * time the header claims; and that certificate (and a node signer's) is on no authentic CRL of its
 * issuing CA, at least one of which is current at {@code now}, the verifier's own clock.
 *
 * <p>What it does not prove, and why: the header's time is the proposer's own claim, so "valid at
 * the block's time" only means "valid at a time the proposer chose"; what bounds a dishonest
 * proposer is revocation, and that is checked as of now, not as of the block, so a node revoked for
 * any reason can forge nothing that passes, and honest bundles of its blocks stop passing too. It
 * does not prove the block is on the canonical chain (one voter's signature, no quorum yet), that
 * the ledger had not revoked the proposer (NODE_REVOKE is ledger state, which a bundle cannot prove:
 * revoke at the CA too), nor that an account signer was registered. See docs/ledger.md.
 *
 * <p>Stateless and thread-safe.
 */
public final class ProofVerifier {
    private ProofVerifier() {}

    /**
     * What a verified bundle says.
     *
     * @param network the network name; with the root it gives {@code networkId}
     * @param proposer the proposer's certified identity (a voter)
     * @param signer the signer's certified identity when a node signed the tx, else null
     * @param crl the current CRL the proposer was checked against
     */
    public record Verified(Transaction tx, BlockHeader header, String network, NetworkId networkId, NodeIdentity proposer,
            NodeIdentity signer, CrlUsed crl, Instant checkedAt) {
        public String proposerNode() {
            return proposer.nodeId();
        }

        public String signerNode() {
            return signer == null ? null : signer.nodeId();
        }
    }

    /** The CRL, current at the verification time, that the proposer's certificate was checked against; number null when it has none. */
    public record CrlUsed(BigInteger number, Instant thisUpdate, Instant nextUpdate) {}

    /** {@link #verify(ProofBundle, X509Certificate, Instant, List)} now, with the bundle's own CRLs only. */
    public static Verified verify(ProofBundle bundle, X509Certificate root) throws LedgerException {
        return verify(bundle, root, Instant.now(), List.of());
    }

    /**
     * Verifies {@code bundle} against {@code root}, judging revocation at {@code now} with the
     * bundle's CRLs plus {@code moreCrls} (the verifier's own, typically newer). Throws
     * PROOF_INVALID naming the first check that fails, or MALFORMED when the bytes do not decode.
     */
    public static Verified verify(ProofBundle bundle, X509Certificate root, Instant now, List<X509CRL> moreCrls)
            throws LedgerException {
        Transaction tx = Transaction.decode(bundle.tx());
        BlockHeader header = BlockHeader.decode(bundle.header());
        if (bundle.proposerChain().isEmpty()) {
            throw invalid("block " + header.height() + " was proposed by an account without a node certificate; "
                    + "only blocks proposed by a certified voter can be checked against the root");
        }
        List<X509Certificate> proposerChain = parse(bundle.proposerChain(), "proposer");
        NodeIdentity proposer = checkChain(proposerChain, root, header, header.proposer(), "proposer",
                "the one that signed block " + header.height());
        if (!proposer.roles().contains(NodeRole.VOTER)) {
            throw invalid("proposer node " + proposer.nodeId() + " is not a voter (its certificate grants "
                    + String.join(",", proposer.roles().stream().map(NodeRole::wireName).sorted().toList())
                    + "): only voters propose blocks");
        }
        NetworkId network = networkId(bundle.network(), root);
        if (!header.signatureValid(network)) {
            throw invalid("block " + header.height() + "'s header signature does not verify for network '" + bundle.network()
                    + "' under this root (signed for another network, or altered)");
        }
        if (!tx.signatureValid(network)) {
            throw invalid("the tx signature does not verify for network '" + bundle.network()
                    + "' under this root (signed for another network, or altered)");
        }
        if (bundle.inclusion().treeSize() != header.txCount()) {
            throw invalid("inclusion proof is for a tree of " + bundle.inclusion().treeSize() + " txs, the block has " + header.txCount());
        }
        if (!bundle.inclusion().leadsTo(header.format().leaf(tx), header.txRoot())) {
            throw invalid("the inclusion proof does not lead to the block's tx merkle root");
        }
        NodeIdentity signer = null;
        List<X509Certificate> signerChain = List.of();
        if (!bundle.signerChain().isEmpty()) {
            signerChain = parse(bundle.signerChain(), "signer");
            signer = checkChain(signerChain, root, header, tx.signer(), "signer", "the one that signed the tx");
        }
        List<X509CRL> crls = new ArrayList<>(Revocations.parse(bundle.crls(), "the bundle"));
        crls.addAll(moreCrls);
        X509Certificate proposerIssuer = issuerOf(proposerChain, root);
        List<X509Certificate> issuers = new ArrayList<>(List.of(proposerIssuer));
        if (signer != null) {
            issuers.add(issuerOf(signerChain, root));
        }
        CrlUsed crl = Revocations.check(crls, issuers, proposerIssuer, proposer, "proposer", now);
        if (signer != null) {
            Revocations.check(crls, issuers, issuerOf(signerChain, root), signer, "signer", now);
        }
        return new Verified(tx, header, bundle.network(), network, proposer, signer, crl, now);
    }

    private static NetworkId networkId(String network, X509Certificate root) throws LedgerException {
        try {
            return NetworkId.of(network, root.getEncoded());
        } catch (CertificateEncodingException e) {
            throw invalid("the root certificate cannot be encoded");
        }
    }

    private static List<X509Certificate> parse(List<byte[]> chainDer, String who) throws LedgerException {
        try {
            return NodeCertificates.parseChain(chainDer);
        } catch (TxRejectedException e) {
            throw invalid(who + " certificate chain does not parse");
        }
    }

    /** The certificate that issued the chain's leaf: the next one up, or the root. */
    private static X509Certificate issuerOf(List<X509Certificate> chain, X509Certificate root) {
        return chain.size() > 1 && !chain.get(1).equals(root) ? chain.get(1) : root;
    }

    private static NodeIdentity checkChain(List<X509Certificate> chain, X509Certificate root, BlockHeader header, Hash256 keyId,
            String who, String whichKey) throws LedgerException {
        NodeIdentity identity;
        try {
            identity = NodeCertificateValidator.validate(chain, root, header.time(), Set.of());
        } catch (CryptoException e) {
            throw invalid(who + " certificate chain rejected at the block's time " + header.time() + ": " + e.getMessage());
        }
        if (!identity.falconKey().fingerprint().equals(keyId)) {
            throw invalid(who + " certificate is for another key than " + whichKey);
        }
        return identity;
    }

    static LedgerException invalid(String why) {
        return new LedgerException(LedgerErrorCode.PROOF_INVALID, "proof invalid: " + why);
    }
}
