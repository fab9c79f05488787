package io.stoq.node.cli.ledger;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.proof.ProofBuilder;
import io.stoq.ledger.proof.ProofBundle;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CRLException;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoq ledger prove TX}: writes a self-contained proof bundle for a committed tx. */
@Command(
        name = "prove",
        description = {"Export a proof bundle for a committed tx.",
            "The bundle for transaction TX (its 64-hex-digit id) holds the network name, the",
            "tx, its merkle inclusion path, the signed block header, the certificate chains",
            "of the block's proposer and (for node-signed txs) the signer, and the CA's CRL",
            "given with --crl as revocation evidence. Anyone holding the network root",
            "certificate can check it offline with `stoq ledger check-proof`."},
        footer = {"", "Examples:", "  stoq ledger prove 3f2a...c9 --data data/ledger --crl data/ca/crl.pem",
            "  stoq ledger prove 3f2a...c9 --data bench-ledger \\",
            "      --crl bench-ledger/network-crl.pem --out t.stqproof --json"})
public final class LedgerProveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "TX", description = "Transaction id: SHA3-256 of the tx, 64 hex digits.")
    String txId;

    @Option(names = "--data", paramLabel = "DATA_DIR", required = true, description = "The ledger's RocksDB directory.")
    Path dataDir;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to write the bundle (default: tx-<first 16 hex digits>.stqproof).")
    Path outFile;

    @Option(names = "--crl", paramLabel = "CRL.pem",
            description = "The CA's current CRL (PEM) to carry as revocation evidence; without it the verifier must bring one.")
    Path crl;

    @Override
    public Integer call() throws LedgerException, CryptoException {
        Hash256 id;
        try {
            id = Hash256.ofHex(txId);
        } catch (IllegalArgumentException e) {
            throw new LedgerException(LedgerErrorCode.MALFORMED, "TX must be a tx id of 64 hex digits, got '" + txId + "'");
        }
        List<byte[]> evidence = new ArrayList<>();
        if (crl != null) {
            try {
                evidence.add(PemFiles.readCrl(crl).getEncoded());
            } catch (CRLException e) {
                throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, crl + " cannot be re-encoded: " + e.getMessage(), e);
            }
        }
        ProofBundle bundle;
        try (LedgerStore store = LedgerStore.openReadOnly(dataDir)) {
            bundle = ProofBuilder.build(store, id, evidence);
        }
        Path target = outFile != null ? outFile : Path.of("tx-" + id.toHex().substring(0, 16) + ".stqproof");
        byte[] bytes = bundle.encode();
        try {
            Files.write(target, bytes);
        } catch (IOException e) {
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "cannot write " + target + ": " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("tx", id.toHex());
            json.put("file", target.toString());
            json.put("bytes", bytes.length);
            json.put("proposerCertified", !bundle.proposerChain().isEmpty());
            json.put("network", bundle.network());
            json.put("crls", bundle.crls().size());
            Json.print(out, json);
        } else {
            out.printf("wrote %s (%d bytes): tx %s, leaf %d of %d, network '%s'%n", target, bytes.length, id.toHex(),
                    bundle.inclusion().leafIndex(), bundle.inclusion().treeSize(), bundle.network());
            if (bundle.proposerChain().isEmpty()) {
                out.println("note: its block was proposed by an account without a node certificate, so check-proof will refuse it");
            }
            if (bundle.crls().isEmpty()) {
                out.println("note: no CRL in the bundle (--crl): check-proof will need the CA's current CRL");
            }
            out.flush();
        }
        return 0;
    }
}
