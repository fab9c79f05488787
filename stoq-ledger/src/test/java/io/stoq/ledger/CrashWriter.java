package io.stoq.ledger;

import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The child process of {@link CrashIT}: signs a pool of asset-create txs, then commits them in
 * blocks of 25 as fast as it can, printing {@code ACK height blockHash stateRoot} after each
 * commit returns (that is, after the synced WriteBatch). The parent kills it with SIGKILL at
 * random moments, nearly always in the middle of a commit.
 *
 * <p>Arguments: ledger dir, admin private key PEM, admin public key PEM, root certificate PEM.
 */
public final class CrashWriter {
    private CrashWriter() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        PrivateKey priv = PemFiles.readPrivateKey(Path.of(args[1]), null);
        PublicKey pub = PemFiles.readPublicKey(Path.of(args[2]));
        SigningKey admin = new SigningKey(SignatureAlgorithm.ML_DSA_65, priv, pub);
        PrintStream out = System.out;
        try (Ledger ledger = Ledger.open(dir)) {
            if (ledger.height() < 0) {
                ledger.genesis(admin, "crash", List.of(pub.getEncoded()), PemFiles.readCertificate(Path.of(args[3])).getEncoded(),
                        Instant.EPOCH);
                print(out, ledger);
            }
            // Sign a pool of txs first, so that nearly all of the time the parent may kill us is spent committing.
            long nonce = ledger.state().nonce(Sha3.hash(pub.getEncoded()));
            List<Transaction> pool = new ArrayList<>();
            for (int i = 1; i <= 25 * 40; i++) {
                pool.add(Transaction.sign(ledger.network(), admin, nonce + i,
                        TestNetwork.create(Sha3.hash(("crash-" + (nonce + i)).getBytes()), 1000, AssetPolicy.ANY_HOLDER)));
            }
            for (int from = 0; from < pool.size(); from += 25) {
                long height = ledger.height() + 1;
                Ledger.CommitResult r = ledger.commit(pool.subList(from, from + 25), Instant.EPOCH.plusSeconds(height), admin);
                if (!r.rejected().isEmpty()) {
                    throw new IllegalStateException("unexpected rejection: " + r.rejected().get(0).message());
                }
                print(out, ledger);
            }
            out.println("DONE");
            out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    private static void print(PrintStream out, Ledger ledger) {
        out.println("ACK " + ledger.height() + " " + ledger.head().hash().toHex() + " " + ledger.stateRoot().toHex());
        out.flush();
    }
}
