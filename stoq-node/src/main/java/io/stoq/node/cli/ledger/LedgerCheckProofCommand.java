package io.stoq.node.cli.ledger;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.proof.ProofBundle;
import io.stoq.ledger.proof.ProofVerifier;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoq ledger check-proof FILE --root ROOT.pem}: offline check of a proof bundle. */
@Command(
        name = "check-proof",
        description = {"Check a proof bundle offline against the network root.",
            "Checks, against a network root certificate: the tx signature, its inclusion in",
            "the block's tx merkle root, the block header's proposer signature, and the",
            "proposer's (and a node signer's) certificate chain to the root at the block's",
            "time. Needs no ledger and no network. Exit 34 when invalid."},
        footer = {"", "Examples:", "  stoq ledger check-proof tx-3f2a01c9.stqproof --root ca/root.crt.pem",
            "  stoq ledger check-proof transfer.stqproof \\",
            "      --root bench-ledger/network-root.pem --json"})
public final class LedgerCheckProofCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "FILE", description = "The proof bundle written by `stoq ledger prove`.")
    Path file;

    @Option(names = "--root", paramLabel = "ROOT.pem", required = true, description = "The trusted network root certificate (PEM).")
    Path root;

    @Override
    public Integer call() throws LedgerException, CryptoException {
        X509Certificate trusted = PemFiles.readCertificate(root);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new LedgerException(LedgerErrorCode.NOT_FOUND, file + " does not exist");
        } catch (IOException e) {
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "cannot read " + file + ": " + e.getMessage(), e);
        }
        ProofVerifier.Verified v = ProofVerifier.verify(ProofBundle.decode(bytes), trusted);
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("valid", true);
            json.put("tx", v.tx().id().toHex());
            json.put("type", v.tx().type().name());
            json.put("signer", v.tx().signer().toHex());
            json.put("signerNode", v.signerNode());
            json.put("block", v.header().height());
            json.put("blockHash", v.header().hash().toHex());
            json.put("stateRoot", v.header().stateRoot().toHex());
            json.put("time", v.header().time().toString());
            json.put("proposerNode", v.proposerNode());
            Json.print(out, json);
        } else {
            out.printf("VALID: tx %s (%s by %s%s) is in block %d (%s), proposed by node %s, vouched for by %s%n",
                    v.tx().id().toHex(), v.tx().type(), v.tx().signer().toHex().substring(0, 16),
                    v.signerNode() == null ? "" : ", node " + v.signerNode(), v.header().height(), v.header().time(), v.proposerNode(), root);
            out.flush();
        }
        return 0;
    }
}
