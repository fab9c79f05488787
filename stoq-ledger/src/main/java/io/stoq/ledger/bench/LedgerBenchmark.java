package io.stoq.ledger.bench;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.CertificateIssuer;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeCsr;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.Ledger;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Role;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * {@code stoq bench ledger}: commits pre-signed asset-create and token-transfer txs in blocks and
 * compares committed txs/s with a raw RocksDB baseline measured in the same run: the same number
 * of synced WriteBatches carrying the same tx bytes, with no validation, state or indexes. The
 * ratio is the cost of the ledger over the storage engine's own durable-commit speed. Signature
 * verification alone (same threads) is measured too, as the other bound the ledger runs against.
 *
 * <p>Setup (untimed): a fresh CA (Falcon-1024 root, Falcon-512 intermediate), one node certified
 * by it, an admin and {@code accounts} member accounts; genesis, then a block registering the node
 * and accounts. Txs are signed before the timed part, in parallel (Falcon signing is slow). The timed
 * part is {@link Ledger#commit}: signature verification, validation, state machine, state root,
 * header signing by the node (Falcon-512, once per block) and the synced WriteBatch; by default
 * through {@link Ledger#commitAll}, which checks the next block's signatures while the current one
 * commits. The ledger
 * stays in {@code dir} (with the root certificate as {@code network-root.pem} and a CRL as {@code network-crl.pem}) for
 * {@code stoq ledger verify} and {@code stoq ledger prove}.
 */
public final class LedgerBenchmark {
    /** The network root certificate written next to the ledger data. */
    public static final String ROOT_PEM = "network-root.pem";
    /** A current, empty CRL of the bench CA, for {@code stoq ledger prove --crl}. */
    public static final String CRL_PEM = "network-crl.pem";

    /** What to run. */
    public record Config(Path dir, int txsPerRound, List<Integer> blockSizes, SignatureAlgorithm accountAlgorithm, int accounts,
            boolean parallelSignatures, boolean pipelined, int warmupTxs) {}

    /**
     * One block size's measurement; rates are txs per second. {@code verifiedInFull} counts the
     * txs whose signatures the timed parts check in full: all of them, since each is decoded from
     * its bytes (a tx signed in this process would be taken as proven and skipped).
     * {@code ledgerJit} and {@code verifyJit} are the JIT's compile time during the two timed
     * parts: what is left of warm-up in them. {@code ledgerThreads} and {@code verifyThreads} split
     * each timed part's CPU by thread group ({@link ThreadCpu#ledgerGroup}; empty off Linux).
     */
    public record Round(int blockSize, int txs, int blocks, Duration signTime, Duration ledgerTime, double ledgerTxsPerSecond,
            Duration baselineTime, double baselineTxsPerSecond, double ratio, double verifyOnlyTxsPerSecond, Ledger.Timings steps,
            Duration ledgerCpu, Duration verifyCpu, int verifiedInFull, Duration ledgerJit, Duration verifyJit,
            Map<String, Duration> ledgerThreads, Map<String, Duration> verifyThreads) {
        /**
         * Process CPU time per tx of the verification alone over that of the ledger: what the
         * verify ratio would be with every core busy all along. On a machine shared with other
         * work the wall-clock rates follow the neighbours' load; CPU time per tx barely does.
         */
        public double cpuRatio() {
            return (double) verifyCpu.toNanos() / ledgerCpu.toNanos();
        }

        /** Committed txs/s over signature verification alone on the same cores, same run: the ledger's target figure. */
        public double verifyRatio() {
            return ledgerTxsPerSecond / verifyOnlyTxsPerSecond;
        }
    }

    /** Everything measured, where the ledger ended, and how many untimed warm-up rounds ran first. */
    public record Report(List<Round> rounds, long height, Hash256 stateRoot, Path rootCertificate, int warmupRounds) {}

    private final Config config;
    private final Consumer<String> log;
    private final Clock clock = Clock.systemUTC();
    private final List<Member> members = new ArrayList<>();
    private long adminNonce;

    private LedgerBenchmark(Config config, Consumer<String> log) {
        this.config = config;
        this.log = log;
    }

    public static Report run(Config config, Consumer<String> log) throws LedgerException {
        try {
            return new LedgerBenchmark(config, log).run();
        } catch (CryptoException e) {
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "benchmark setup failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "benchmark I/O failed: " + e.getMessage(), e);
        }
    }

    /** A member account and the generator's view of it. */
    private static final class Member {
        final SigningKey key;
        final Hash256 id;
        long nonce;
        Hash256 lastAsset;
        int created;

        Member(SigningKey key) {
            this.key = key;
            this.id = Sha3.hash(key.publicKey().getEncoded());
        }
    }

    private Report run() throws LedgerException, CryptoException, IOException {
        Path dir = config.dir();
        if (Files.exists(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new LedgerException(LedgerErrorCode.CONFLICT, dir + " is not empty: the benchmark writes a new ledger there");
                }
            }
        }
        log.accept("setup: CA, node and " + config.accounts() + " " + config.accountAlgorithm().id() + " accounts (untimed)");
        Instant now = clock.instant();
        SigningKey rootKey = SigningKey.generate(SignatureAlgorithm.FALCON_1024);
        X509Certificate root = CertificateIssuer.root(rootKey, "bench", now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(365)));
        SigningKey intermediateKey = SigningKey.generate(SignatureAlgorithm.FALCON_512);
        X509Certificate intermediate = CertificateIssuer.intermediate(rootKey, root, intermediateKey.publicKey(), "bench",
                now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(365)));
        NodeKeys node = NodeKeys.generate();
        NodeClaims claims = NodeClaims.of("bench-node-1", "local", Set.of(NodeRole.STORAGE, NodeRole.VOTER), node.tls().getPublic(),
                node.kem().getPublic());
        X509Certificate nodeCert = CertificateIssuer.node(intermediateKey, intermediate, NodeCsr.verify(NodeCsr.create(node.falcon(), claims)),
                CertificateIssuer.randomSerial(), now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)));
        SigningKey admin = SigningKey.generate(SignatureAlgorithm.ML_DSA_65);
        for (int i = 0; i < config.accounts(); i++) {
            members.add(new Member(SigningKey.generate(config.accountAlgorithm())));
        }
        List<Round> rounds = new ArrayList<>();
        try (Ledger ledger = Ledger.open(dir)) {
            ledger.parallelSignatures(config.parallelSignatures());
            PemFiles.writeCertificates(dir.resolve(ROOT_PEM), List.of(root));
            PemFiles.writeCrl(dir.resolve(CRL_PEM), CertificateIssuer.crl(intermediateKey, intermediate, java.util.Map.of(), 1,
                    now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(7))));
            adminNonce = 1;
            ledger.genesis(admin, "bench", List.of(admin.publicKey().getEncoded()), encoded(root), clock.instant());
            List<Transaction> setup = new ArrayList<>();
            setup.add(Transaction.sign(ledger.network(), admin, ++adminNonce,
                    new TxBody.NodeRegister(List.of(encoded(nodeCert), encoded(intermediate)))));
            for (Member m : members) {
                setup.add(Transaction.sign(ledger.network(), admin, ++adminNonce, new TxBody.AccountRegister(m.key.publicKey().getEncoded(), Role.MEMBER)));
            }
            requireAllAccepted(ledger.commit(setup, clock.instant(), admin));
            int warmupRounds = config.warmupTxs() > 0 ? warmUp(ledger, node.falcon()) : 0;
            for (int blockSize : config.blockSizes()) {
                rounds.add(round(ledger, node.falcon(), blockSize, blockSize, config.txsPerRound()));
            }
            return new Report(List.copyOf(rounds), ledger.height(), ledger.stateRoot(), dir.resolve(ROOT_PEM), warmupRounds);
        }
    }

    /** How often the timed parts' per-thread CPU is polled (a thread that ends inside a part counts to its last poll). */
    static final Duration SAMPLE_INTERVAL = Duration.ofMillis(100);

    /** Warm-up rounds stop once the JIT compiled for less than this share of a round's timed parts. */
    static final double JIT_QUIET_SHARE = 0.05;
    /** Blocks of the first half of a warm-up round: small, so per-block code is called often enough for C2. */
    static final int WARMUP_SMALL_BLOCKS = 10;
    /** At most this many warm-up rounds, quiet JIT or not. */
    static final int MAX_WARMUP_ROUNDS = 12;

    /**
     * Untimed rounds of {@code warmupTxs} txs in blocks of 100, repeated until the JIT is quiet
     * during the parts a round times (commit and verification; signing is left out, it is untimed).
     * One fixed round of 2,000 was not enough on 2 cores: with a single C2 thread still compiling
     * the Falcon header signer and the state overlay, the timed ledger ran ML-DSA verification in
     * C1 code (C2 compiled it only during the verify-only baseline after it), and the JIT spent
     * 0.7-2 s of a 2-3 s timed commit, so "vs verify" compared unequal code. Here it took 5-8
     * rounds of 4,000.
     *
     * <p>A quiet round was still not enough: C2 compiles a method called once per block only after
     * about 600 calls, or once its loop over the block's txs has gone round 40,000 times, so
     * rounds of 40 blocks left {@code StateMachine.apply} and the state overlay's reads to be
     * compiled during the timed commit (up to 1.4 s of C2 in a 6 s timed commit of 30,000 txs, seen
     * in JFR's compilation events). So the first half of each round commits in blocks of
     * {@value #WARMUP_SMALL_BLOCKS}: 200 blocks a round for the same signing cost.
     *
     * @return the rounds run
     */
    private int warmUp(Ledger ledger, SigningKey proposer) throws LedgerException, IOException {
        for (int r = 1; r <= MAX_WARMUP_ROUNDS; r++) {
            Round round = round(ledger, proposer, WARMUP_SMALL_BLOCKS, 100, config.warmupTxs());
            double timedMillis = round.ledgerTime().toNanos() / 1e6 + 1e3 * round.txs() / round.verifyOnlyTxsPerSecond();
            double share = (round.ledgerJit().toMillis() + round.verifyJit().toMillis()) / timedMillis;
            log.accept(String.format(java.util.Locale.ROOT,
                    "warm-up round %d: %d txs, half in blocks of " + WARMUP_SMALL_BLOCKS + ", half of 100 (not reported), the JIT compiling for %.0f%% of its commit and verification",
                    r, config.warmupTxs(), 100 * share));
            if (share < JIT_QUIET_SHARE) {
                return r;
            }
        }
        log.accept("warm-up: the JIT is still compiling after " + MAX_WARMUP_ROUNDS + " rounds; the timed rounds report its share");
        return MAX_WARMUP_ROUNDS;
    }

    /**
     * One round of {@code n} txs: signed (untimed), committed (timed) with the first half in blocks
     * of {@code firstHalfBlockSize} and the rest in blocks of {@code blockSize} (the same for a
     * measured round), then the raw RocksDB and verify-only baselines on the same txs.
     */
    private Round round(Ledger ledger, SigningKey proposer, int firstHalfBlockSize, int blockSize, int n)
            throws LedgerException, IOException {
        List<TxBody> bodies = new ArrayList<>(n);
        List<Member> signers = new ArrayList<>(n);
        List<Long> nonces = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Member m = members.get(i % members.size());
            Member next = members.get((i + 1) % members.size());
            TxBody body;
            if (m.lastAsset == null || (i / members.size()) % 2 == 0) {
                m.lastAsset = Sha3.hash(m.id.toBytes(), Long.toString(m.created++).getBytes());
                body = new TxBody.AssetCreate(m.lastAsset, "bench asset", Sha3.hash(m.lastAsset.toBytes()), new byte[32], 1_000_000,
                        AssetPolicy.ANY_HOLDER);
            } else {
                body = new TxBody.TokenTransfer(m.lastAsset, next.id, 1 + i % 1000);
            }
            bodies.add(body);
            signers.add(m);
            nonces.add(++m.nonce);
        }
        log.accept("block size " + blockSize + ": signing " + n + " txs in parallel (untimed)");
        long signStart = System.nanoTime();
        Transaction[] txs = new Transaction[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            try {
                // Decoded from its bytes, as a client's tx arrives: a tx signed in this process is
                // marked signed-here and never verified again, which would leave the timed ledger
                // and the verify-only baseline without the signature checks they exist to measure.
                txs[i] = Transaction.decode(Transaction.sign(ledger.network(), signers.get(i).key, nonces.get(i), bodies.get(i)).encoded());
            } catch (CryptoException | LedgerException e) {
                throw new IllegalStateException(e);
            }
        });
        Duration signTime = Duration.ofNanos(System.nanoTime() - signStart);
        List<Transaction> all = List.of(txs);
        // Reported so a run (and LedgerCliTest) shows the timed parts really check every signature.
        int verifiedInFull = (int) all.stream().filter(tx -> !tx.signedHere(ledger.network())).count();

        log.accept("block size " + blockSize + ": committing (timed)");
        List<List<Transaction>> batches = new ArrayList<>();
        int half = firstHalfBlockSize == blockSize ? 0 : n / 2;
        addBatches(batches, all.subList(0, half), firstHalfBlockSize);
        addBatches(batches, all.subList(half, n), blockSize);
        int blocks = batches.size();
        Ledger.Timings stepsBefore = ledger.timings();
        long jitStart = jitMillis();
        long cpuStart = processCpuNanos();
        ThreadCpu.Recorder ledgerThreads = new ThreadCpu.Recorder(SAMPLE_INTERVAL);
        long start = System.nanoTime();
        if (config.pipelined()) {
            for (Ledger.CommitResult r : ledger.commitAll(batches, clock::instant, proposer)) {
                requireAllAccepted(r);
            }
        } else {
            for (List<Transaction> batch : batches) {
                requireAllAccepted(ledger.commit(batch, clock.instant(), proposer));
            }
        }
        Duration ledgerTime = Duration.ofNanos(System.nanoTime() - start);
        Duration ledgerCpu = Duration.ofNanos(processCpuNanos() - cpuStart);
        Map<String, Duration> ledgerSplit = ledgerThreads.stop(ThreadCpu::ledgerGroup);
        Ledger.Timings steps = ledger.timings().since(stepsBefore);
        Duration ledgerJit = Duration.ofMillis(jitMillis() - jitStart);

        log.accept("block size " + blockSize + ": raw RocksDB synced WriteBatch baseline (timed)");
        Duration baseline = RawRocksBaseline.measure(config.dir().toAbsolutePath().getParent(), all, blockSize);
        log.accept("block size " + blockSize + ": signature verification alone, for reference, after the ledger so the JIT is warm (timed)");
        long verifyJitStart = jitMillis();
        long verifyCpuStart = processCpuNanos();
        ThreadCpu.Recorder verifyThreads = new ThreadCpu.Recorder(SAMPLE_INTERVAL);
        long verifyStart = System.nanoTime();
        IntStream verifyRange = IntStream.range(0, n);
        long valid = (config.parallelSignatures() ? verifyRange.parallel() : verifyRange).filter(i -> txs[i].signatureValid(ledger.network())).count();
        Duration verifyTime = Duration.ofNanos(System.nanoTime() - verifyStart);
        Duration verifyCpu = Duration.ofNanos(processCpuNanos() - verifyCpuStart);
        Map<String, Duration> verifySplit = verifyThreads.stop(ThreadCpu::ledgerGroup);
        Duration verifyJit = Duration.ofMillis(jitMillis() - verifyJitStart);
        if (valid != n) {
            throw new LedgerException(LedgerErrorCode.REJECTED, "benchmark produced " + (n - valid) + " txs with bad signatures");
        }

        double ledgerRate = n / seconds(ledgerTime);
        double baselineRate = n / seconds(baseline);
        return new Round(blockSize, n, blocks, signTime, ledgerTime, ledgerRate, baseline, baselineRate, ledgerRate / baselineRate,
                n / seconds(verifyTime), steps, ledgerCpu, verifyCpu, verifiedInFull, ledgerJit, verifyJit, ledgerSplit, verifySplit);
    }

    /** Cuts {@code txs} into consecutive blocks of {@code blockSize} (the last one may be shorter). */
    private static void addBatches(List<List<Transaction>> batches, List<Transaction> txs, int blockSize) {
        for (int from = 0; from < txs.size(); from += blockSize) {
            batches.add(txs.subList(from, Math.min(txs.size(), from + blockSize)));
        }
    }

    private static void requireAllAccepted(Ledger.CommitResult result) throws LedgerException {
        if (!result.rejected().isEmpty()) {
            throw new LedgerException(LedgerErrorCode.REJECTED, "benchmark tx rejected: " + result.rejected().get(0).message());
        }
    }

    private static byte[] encoded(X509Certificate cert) throws CryptoException {
        try {
            return cert.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new CryptoException(io.stoq.crypto.CryptoErrorCode.PROVIDER_FAILURE, "cannot encode certificate", e);
        }
    }

    /** Time the JIT compilers spent so far (summed over their threads), or 0 where the JVM cannot tell. */
    private static long jitMillis() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** CPU time of this process so far (all threads), or 0 where the JVM cannot tell. */
    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
