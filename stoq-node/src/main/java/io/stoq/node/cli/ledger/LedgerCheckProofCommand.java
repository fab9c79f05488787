package io.stoq.node.cli.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stoq ledger check-proof FILE --root ROOT.pem}: offline check of a proof, given either as
 * the binary bundle ({@code stoq ledger prove}) or as the JSON the API serves ({@code stoq asset
 * proof --json}), whose claims must then match what the bundle proves.
 */
@Command(
        name = "check-proof",
        description = {"Check a proof offline against the network root.",
            "Checks a proof against a network root certificate. FILE is a binary bundle",
            "(`stoq ledger prove`) or the JSON that `stoq asset proof --json` prints, which",
            "is what the API route GET /v1/assets/{id}/proof answers (`-` reads standard",
            "input); for JSON, the asset id, version, merkle root, manifest hash, tx id,",
            "block and path it states must be what the bundle proves. Checked: the proposer's",
            "chain to the root at the block's time, its voter role, the header and tx",
            "signatures for the bundle's network, the tx's inclusion in the block, and that",
            "neither the proposer nor a node signer is on a CRL, one of which must be current",
            "now (the bundle's, or --crl). Needs no ledger and no network. Exit 34 when",
            "invalid; see docs/ledger.md for what a proof proves."},
        footer = {"", "Examples:", "  stoq asset proof ID --json > proof.json",
            "  stoq ledger check-proof proof.json --root ca/root.crt.pem",
            "  stoq ledger check-proof tx-3f2a01c9.stqproof --root ca/root.crt.pem \\",
            "      --crl ca/crl.pem --json"})
public final class LedgerCheckProofCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "FILE", description = "A binary proof bundle or a proof JSON object; - for standard input.")
    String file;

    @Option(names = "--root", paramLabel = "ROOT.pem", required = true, description = "The trusted network root certificate (PEM).")
    Path root;

    @Option(names = "--crl", paramLabel = "CRL.pem",
            description = "The CA's current CRL (PEM), checked besides the bundle's own; repeatable.")
    List<Path> crls = new ArrayList<>();

    @Override
    public Integer call() throws LedgerException, CryptoException {
        X509Certificate trusted = PemFiles.readCertificate(root);
        List<X509CRL> extra = new ArrayList<>();
        for (Path crl : crls) {
            extra.add(PemFiles.readCrl(crl));
        }
        byte[] bytes = read();
        AssetProofClaims claims = null;
        ProofBundle bundle;
        if (ProofBundle.looksLikeBundle(bytes)) {
            bundle = ProofBundle.decode(bytes);
        } else {
            claims = AssetProofClaims.parse(parseJson(bytes), source());
            bundle = claims.bundle();
        }
        ProofVerifier.Verified v = ProofVerifier.verify(bundle, trusted, Instant.now(), extra);
        if (claims != null) {
            claims.check(v.tx(), v.header());
        }
        print(v, claims);
        return 0;
    }

    private String source() {
        return file.equals("-") ? "standard input" : file;
    }

    private byte[] read() throws LedgerException {
        try {
            return file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new LedgerException(LedgerErrorCode.NOT_FOUND, file + " does not exist");
        } catch (IOException e) {
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "cannot read " + source() + ": " + e.getMessage(), e);
        }
    }

    private JsonNode parseJson(byte[] bytes) throws LedgerException {
        try {
            return Json.mapper().readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new LedgerException(LedgerErrorCode.MALFORMED, source() + " is neither a proof bundle (no STQPROOF magic) nor JSON");
        } catch (IOException e) {
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "cannot read " + source() + ": " + e.getMessage(), e);
        }
    }

    private void print(ProofVerifier.Verified v, AssetProofClaims claims) {
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("valid", true);
            json.put("network", v.network());
            json.put("networkId", v.networkId().toString());
            json.put("tx", v.tx().id().toHex());
            json.put("type", v.tx().type().name());
            json.put("signer", v.tx().signer().toHex());
            json.put("signerNode", v.signerNode());
            json.put("block", v.header().height());
            json.put("blockHash", v.header().hash().toHex());
            json.put("stateRoot", v.header().stateRoot().toHex());
            json.put("time", v.header().time().toString());
            json.put("proposerNode", v.proposerNode());
            json.put("proposerRoles", v.proposer().roles().stream().map(r -> r.wireName()).sorted().toList());
            json.put("proposerSerial", v.proposer().serial().toString(16));
            json.put("crlNumber", v.crl().number() == null ? null : v.crl().number().toString());
            json.put("crlThisUpdate", v.crl().thisUpdate().toString());
            json.put("crlNextUpdate", v.crl().nextUpdate().toString());
            json.put("checkedAt", v.checkedAt().toString());
            if (claims != null) {
                json.put("assetId", claims.assetId());
                json.put("version", claims.version());
                json.put("merkleRoot", claims.merkleRoot());
                json.put("manifestHash", claims.manifestHash());
                json.put("manifestHashOf", AssetProofClaims.manifestHashOf(v.tx()));
            }
            Json.print(out, json);
            return;
        }
        if (claims != null) {
            out.printf("VALID: asset %s version %d (merkle root %s, manifest %s = H(%s))%n", claims.assetId(), claims.version(),
                    claims.merkleRoot(), claims.manifestHash(), AssetProofClaims.manifestHashOf(v.tx()));
            out.printf("  is tx %s in block %d (%s) of network '%s',%n", v.tx().id().toHex(), v.header().height(), v.header().time(),
                    v.network());
        } else {
            out.printf("VALID: tx %s (%s by %s%s)%n  is in block %d (%s) of network '%s',%n", v.tx().id().toHex(), v.tx().type(),
                    v.tx().signer().toHex().substring(0, 16), v.signerNode() == null ? "" : ", node " + v.signerNode(),
                    v.header().height(), v.header().time(), v.network());
        }
        out.printf("  proposed by voter node %s, certified by %s, revoked on no CRL (current: %s, next update %s)%n", v.proposerNode(),
                root, v.crl().number() == null ? "dated " + v.crl().thisUpdate() : "number " + v.crl().number(), v.crl().nextUpdate());
        out.flush();
    }
}
