package io.stoq.node.bench;

import com.github.luben.zstd.Zstd;
import io.stoq.crypto.aead.AesGcm;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.kem.KemAlgorithm;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The primitive bounds: single-thread speed of every primitive the data path and the ledger use.
 * The shard pipeline and the ledger are measured against these figures, taken in the same run.
 */
public final class CryptoBenchmark {
    private final BenchRunner runner;
    private final int bufferBytes;

    public CryptoBenchmark(BenchRunner runner, int bufferBytes) {
        this.runner = runner;
        this.bufferBytes = bufferBytes;
    }

    /** Runs every benchmark in order, reporting each result to {@code progress} as it completes. */
    public List<BenchRunner.Result> runAll(Consumer<BenchRunner.Result> progress) throws Exception {
        List<BenchRunner.Result> results = new ArrayList<>();
        Consumer<BenchRunner.Result> record = r -> {
            results.add(r);
            progress.accept(r);
        };
        byte[] random = new byte[bufferBytes];
        new Random(1).nextBytes(random);
        byte[] text = textLike(bufferBytes);

        // Without this the first seconds of GCM run interpreted (~60 MiB/s on JDK 17) and the
        // figure would measure the JIT, not the cipher.
        AesGcm.warmUp();
        byte[] key = AesGcm.newKey();
        byte[] nonce = new byte[AesGcm.NONCE_LENGTH];
        byte[] aad = "asset|1|0".getBytes(StandardCharsets.US_ASCII);
        record.accept(runner.run("AES-256-GCM seal", bufferBytes, () -> AesGcm.seal(key, nonce, aad, random, 0, random.length)));
        byte[] sealed = AesGcm.seal(key, nonce, aad, random, 0, random.length);
        record.accept(runner.run("AES-256-GCM open", bufferBytes, () -> AesGcm.open(key, aad, sealed)));
        record.accept(runner.run("SHA3-256 (stoq sponge)", bufferBytes, () -> Sha3.hash(random)));
        MessageDigest jdkSha3 = MessageDigest.getInstance("SHA3-256");
        record.accept(runner.run("SHA3-256 (JDK)", bufferBytes, () -> jdkSha3.digest(random)));
        // the content digest (docs/shard.md): HotSpot runs it on the CPU's SHA extensions where present
        MessageDigest jdkSha256 = MessageDigest.getInstance("SHA-256");
        record.accept(runner.run("SHA-256 (JDK)", bufferBytes, () -> jdkSha256.digest(random)));
        record.accept(runner.run("zstd-1 compress (text)", bufferBytes, () -> Zstd.compress(text, 1)));
        byte[] compressed = Zstd.compress(text, 1);
        record.accept(runner.run("zstd-1 decompress (text)", bufferBytes, () -> Zstd.decompress(compressed, text.length)));
        record.accept(runner.run("zstd-1 compress (random)", bufferBytes, () -> Zstd.compress(random, 1)));

        byte[] message = new byte[64];
        for (SignatureAlgorithm algorithm : List.of(SignatureAlgorithm.FALCON_512, SignatureAlgorithm.FALCON_1024,
                SignatureAlgorithm.ML_DSA_65, SignatureAlgorithm.SLH_DSA_SHA2_128F)) {
            SigningKey signer = SigningKey.generate(algorithm);
            byte[] signature = signer.sign(message);
            record.accept(runner.run(algorithm.jcaName() + " sign", 0, () -> signer.sign(message)));
            record.accept(runner.run(algorithm.jcaName() + " verify", 0, () -> {
                if (!signer.verifyingKey().verify(message, signature)) {
                    throw new IllegalStateException(algorithm.id() + " failed to verify its own signature");
                }
            }));
        }
        record.accept(runner.run("Falcon-512 keygen", 0, SignatureAlgorithm.FALCON_512::generateKeyPair));
        for (KemAlgorithm kem : KemAlgorithm.values()) {
            KeyPair pair = kem.generateKeyPair();
            KemAlgorithm.Encapsulation enc = kem.encapsulate(pair.getPublic());
            record.accept(runner.run(kem.jcaName() + " encaps", 0, () -> kem.encapsulate(pair.getPublic())));
            record.accept(runner.run(kem.jcaName() + " decaps", 0, () -> kem.decapsulate(pair.getPrivate(), enc.ciphertext())));
        }
        return results;
    }

    /** Words from a small vocabulary in random order: compresses about like logs or CSV. */
    static byte[] textLike(int size) {
        String[] words = {"asset", "shard", "ledger", "node", "quic", "falcon", "kyber", "merkle", "token", "owner",
            "transfer", "2026-11-24", "12345", "0.75", "eu-west", "replica", ",", "\n"};
        Random random = new Random(2);
        StringBuilder sb = new StringBuilder(size + 16);
        while (sb.length() < size) {
            sb.append(words[random.nextInt(words.length)]).append(' ');
        }
        return sb.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }
}
