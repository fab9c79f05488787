package io.stoq.consensus.bench;

import io.stoq.consensus.ConsensusErrorCode;
import io.stoq.consensus.ConsensusException;
import io.stoq.consensus.LoopbackPorts;
import io.stoq.consensus.RaftLedger;
import io.stoq.consensus.RaftLedgerConfig;
import io.stoq.consensus.RaftPeerSpec;
import io.stoq.consensus.RaftTls;
import io.stoq.consensus.TxOutcome;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.CertificateIssuer;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeCsr;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.Ledger;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Role;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.net.LocalIdentity;
import io.stoq.net.Revocations;
import io.stoq.net.handshake.PeerVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * {@code stoq bench raft}: committed txs/s of one ledger through Ratis with {@code voters}
 * in-process voters (real gRPC with the STOQ mutual TLS on loopback, real RocksDB ledgers, blocks
 * built and Falcon-signed by the leader, every voter appending each block), as a ratio to the
 * single-node ledger ({@link Ledger#commitAll}, the local writer's path) committing the same
 * pre-signed txs in the same block size, in the same run. Txs go in through the leader and,
 * separately, through a follower (which forwards them). Each figure is from the first tx handed
 * over to the last outcome received; the txs are signed before (untimed).
 *
 * <p>The voters share this process's cores and disk: on one machine the figure is a lower bound
 * of a network of machines for CPU, and an upper bound for latency (loopback).
 */
public final class RaftBench {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private RaftBench() {}

    /** One measured path. */
    public record Figure(String path, int txs, Duration time, double txsPerSecond, double ratio) {}

    public static List<Figure> run(PrintWriter out, Path dir, int voters, int txs, int blockSize, int accounts)
            throws ConsensusException {
        try {
            return new Setup(dir, voters, accounts).run(out, txs, blockSize);
        } catch (CryptoException | LedgerException | IOException | CertificateEncodingException e) {
            throw new ConsensusException(ConsensusErrorCode.UNAVAILABLE, "raft benchmark failed: " + e.getMessage(), e);
        }
    }

    private static final class Setup {
        final Path dir;
        final Instant now = Instant.now();
        final SigningKey admin;
        final SigningKey rootKey;
        final X509Certificate root;
        final SigningKey intermediateKey;
        final X509Certificate intermediate;
        final NetworkId network;
        final List<NodeKeys> nodeKeys = new ArrayList<>();
        final List<List<X509Certificate>> chains = new ArrayList<>();
        final List<SigningKey> members = new ArrayList<>();
        final long[] nonces;
        long adminNonce = 1;

        Setup(Path dir, int voters, int accounts) throws CryptoException {
            this.dir = dir;
            admin = SigningKey.generate(SignatureAlgorithm.ML_DSA_65);
            rootKey = SigningKey.generate(SignatureAlgorithm.FALCON_1024);
            root = CertificateIssuer.root(rootKey, "bench", now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(365)));
            intermediateKey = SigningKey.generate(SignatureAlgorithm.FALCON_512);
            intermediate = CertificateIssuer.intermediate(rootKey, root, intermediateKey.publicKey(), "bench", now.minus(Duration.ofHours(1)),
                    now.plus(Duration.ofDays(365)));
            try {
                network = NetworkId.of("bench", root.getEncoded());
            } catch (CertificateEncodingException e) {
                throw new CryptoException(io.stoq.crypto.CryptoErrorCode.PROVIDER_FAILURE, e.getMessage(), e);
            }
            for (int i = 1; i <= voters; i++) {
                NodeKeys keys = NodeKeys.generate();
                NodeClaims claims = NodeClaims.of("bench-" + i, "local", Set.of(NodeRole.STORAGE, NodeRole.VOTER), keys.tls().getPublic(),
                        keys.kem().getPublic());
                X509Certificate cert = CertificateIssuer.node(intermediateKey, intermediate, NodeCsr.verify(NodeCsr.create(keys.falcon(), claims)),
                        CertificateIssuer.randomSerial(), now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)));
                nodeKeys.add(keys);
                chains.add(List.of(cert, intermediate));
            }
            for (int i = 0; i < accounts; i++) {
                members.add(SigningKey.generate(SignatureAlgorithm.ML_DSA_65));
            }
            nonces = new long[accounts];
        }

        /** Block 0 (genesis) and block 1 (voters and accounts registered), built by the admin in {@code scratch}. */
        List<Block> bootstrap(Path scratch) throws LedgerException, CryptoException, CertificateEncodingException {
            try (Ledger l = Ledger.open(scratch)) {
                l.genesis(admin, "bench", List.of(admin.publicKey().getEncoded()), root.getEncoded(), now);
                List<Transaction> setup = new ArrayList<>();
                long nonce = adminNonce;
                for (List<X509Certificate> chain : chains) {
                    setup.add(Transaction.sign(network, admin, ++nonce, new TxBody.NodeRegister(List.of(chain.get(0).getEncoded(),
                            chain.get(1).getEncoded()))));
                }
                for (SigningKey m : members) {
                    setup.add(Transaction.sign(network, admin, ++nonce, new TxBody.AccountRegister(m.publicKey().getEncoded(), Role.MEMBER)));
                }
                l.commit(setup, Instant.now(), admin);
                return List.of(l.store().block(0), l.store().block(1));
            }
        }

        /** {@code n} asset creations, round-robin over the members with their next nonces, signed in parallel. */
        List<Transaction> txs(int n, String tag) {
            long[] assigned = new long[n];
            for (int i = 0; i < n; i++) {
                assigned[i] = ++nonces[i % members.size()];
            }
            Transaction[] out = new Transaction[n];
            IntStream.range(0, n).parallel().forEach(i -> {
                SigningKey m = members.get(i % members.size());
                Hash256 asset = Sha3.hash(m.publicKey().getEncoded(), (tag + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try {
                    out[i] = Transaction.sign(network, m, assigned[i], new TxBody.AssetCreate(asset, "bench", Sha3.hash(asset.toBytes()),
                            new byte[32], 1000, AssetPolicy.CREATOR_ONLY));
                } catch (CryptoException e) {
                    throw new IllegalStateException(e);
                }
            });
            return List.of(out);
        }

        List<Figure> run(PrintWriter out, int n, int blockSize)
                throws LedgerException, CryptoException, IOException, CertificateEncodingException, ConsensusException {
            out.printf(Locale.ROOT, "setup: CA, %d voters, %d accounts, bootstrap blocks (untimed)%n", chains.size(), members.size());
            out.flush();
            List<Block> boot = bootstrap(dir.resolve("bootstrap"));
            out.printf(Locale.ROOT, "single node: %d txs in blocks of %d (timed after an untimed warm-up)%n", n, blockSize);
            out.flush();
            List<Figure> figures = new ArrayList<>();

            // Single node: the same two bootstrap blocks, then the txs in blocks of blockSize.
            double single;
            List<Transaction> warm = txs(Math.min(n, 500), "warm-single");
            List<Transaction> timed = txs(n, "single");
            try (Ledger l = Ledger.open(dir.resolve("single")).parallelSignatures(true)) {
                for (Block b : boot) {
                    l.append(b);
                }
                commitAll(l, warm, blockSize, nodeKeys.get(0).falcon()); // JIT warm-up, untimed
                long t0 = System.nanoTime();
                commitAll(l, timed, blockSize, nodeKeys.get(0).falcon());
                Duration d = Duration.ofNanos(System.nanoTime() - t0);
                single = n / (d.toNanos() / 1e9);
                figures.add(new Figure("single node (Ledger.commitAll)", n, d, single, 1.0));
            }
            // Nonces of the Raft ledger start again: it is another ledger from the same bootstrap.
            java.util.Arrays.fill(nonces, 0);

            List<RaftLedger> nodes = new ArrayList<>();
            try {
                UUID group = UUID.randomUUID();
                List<RaftPeerSpec> peers = new ArrayList<>();
                for (int i = 0; i < chains.size(); i++) {
                    peers.add(RaftPeerSpec.voter("bench-" + (i + 1), new InetSocketAddress(LOOPBACK, LoopbackPorts.tcp())));
                }
                PeerVerifier verifier = new PeerVerifier(root, network.value(), new Revocations(), Clock.systemUTC());
                for (int i = 0; i < chains.size(); i++) {
                    String id = "bench-" + (i + 1);
                    RaftLedgerConfig config = RaftLedgerConfig.of(id, group, peers, dir.resolve(id).resolve("raft"))
                            .withBlockInterval(Duration.ofMillis(5)).withMaxBlockTxs(blockSize).withSnapshotEvery(1_000_000);
                    LocalIdentity identity = LocalIdentity.of(nodeKeys.get(i), chains.get(i), root, network.value());
                    nodes.add(RaftLedger.start(config, dir.resolve(id).resolve("ledger"), nodeKeys.get(i).falcon(),
                            RaftTls.of(identity, LOOPBACK, verifier, why -> { }), Clock.systemUTC()));
                }
                out.printf(Locale.ROOT, "raft: %d voters started, bootstrap blocks proposed by the admin%n", nodes.size());
                out.flush();
                RaftLedger leader = awaitLeader(nodes);
                for (Block b : boot) {
                    leader.proposeBlock(b);
                }
                RaftLedger follower = nodes.stream().filter(x -> x != leader).findFirst().orElseThrow();
                submitAll(leader, txs(Math.min(n, 500), "warm-raft"), blockSize); // warm-up, untimed
                for (RaftLedger via : List.of(leader, follower)) {
                    List<Transaction> batch = txs(n, "raft-" + via.nodeId());
                    out.printf(Locale.ROOT, "raft: %d txs via %s (timed)%n", n, via == leader ? "the leader" : "a follower");
                    out.flush();
                    long t0 = System.nanoTime();
                    int committed = submitAll(via, batch, blockSize);
                    Duration d = Duration.ofNanos(System.nanoTime() - t0);
                    if (committed != n) {
                        throw new ConsensusException(ConsensusErrorCode.UNAVAILABLE, (n - committed) + " of " + n + " txs did not commit");
                    }
                    double rate = n / (d.toNanos() / 1e9);
                    figures.add(new Figure("raft " + chains.size() + " voters, via " + (via == leader ? "the leader" : "a follower"), n, d,
                            rate, rate / single));
                }
            } finally {
                for (RaftLedger l : nodes) {
                    l.close();
                }
            }
            out.printf(Locale.ROOT, "%-40s %8s %10s %10s %7s%n", "path", "txs", "seconds", "txs/s", "ratio");
            for (Figure f : figures) {
                out.printf(Locale.ROOT, "%-40s %8d %10.2f %10.0f %7.2f%n", f.path(), f.txs(), f.time().toNanos() / 1e9, f.txsPerSecond(),
                        f.ratio());
            }
            out.flush();
            return figures;
        }

        private static void commitAll(Ledger l, List<Transaction> txs, int blockSize, SigningKey proposer) throws LedgerException {
            List<List<Transaction>> batches = new ArrayList<>();
            for (int from = 0; from < txs.size(); from += blockSize) {
                batches.add(txs.subList(from, Math.min(txs.size(), from + blockSize)));
            }
            for (Ledger.CommitResult r : l.commitAll(batches, Instant::now, proposer)) {
                if (!r.rejected().isEmpty()) {
                    throw new LedgerException(io.stoq.ledger.LedgerErrorCode.REJECTED, "bench tx rejected: " + r.rejected().get(0).message());
                }
            }
        }

        /**
         * Hands the txs over all at once, one submission per signer (so that a signer's txs stay in
         * nonce order even when a lost block sends some of them round again), and counts the committed ones.
         */
        private static int submitAll(RaftLedger via, List<Transaction> txs, int chunk) throws ConsensusException {
            java.util.Map<Hash256, List<Transaction>> bySigner = new java.util.LinkedHashMap<>();
            for (Transaction tx : txs) {
                bySigner.computeIfAbsent(tx.signer(), k -> new ArrayList<>()).add(tx);
            }
            List<CompletableFuture<List<TxOutcome>>> futures = new ArrayList<>();
            for (List<Transaction> own : bySigner.values()) {
                futures.add(via.submit(own));
            }
            int committed = 0;
            for (CompletableFuture<List<TxOutcome>> f : futures) {
                try {
                    for (TxOutcome o : f.get(5, TimeUnit.MINUTES)) {
                        if (o.status() == TxOutcome.Status.COMMITTED) {
                            committed++;
                        }
                    }
                } catch (Exception e) {
                    throw new ConsensusException(ConsensusErrorCode.UNAVAILABLE, "a bench submission failed: " + e, e);
                }
            }
            return committed;
        }
    }

    private static RaftLedger awaitLeader(List<RaftLedger> nodes) throws ConsensusException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (RaftLedger l : nodes) {
                if (l.isLeader()) {
                    return l;
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new ConsensusException(ConsensusErrorCode.TIMEOUT, "no Raft leader within 60 s");
    }

}
