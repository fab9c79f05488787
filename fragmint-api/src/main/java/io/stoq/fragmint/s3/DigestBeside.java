package io.stoq.fragmint.s3;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.BodyAbortedException;
import io.stoq.fragmint.port.Nullable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;

/**
 * Passes an upload's bytes through unchanged while their MD5 (the S3 ETag) is computed beside the
 * shard pipeline on another thread, not in series with it: bytes are copied into 1 MiB blocks that
 * a digest thread folds in order while the pipeline goes on. At most {@link #MAX_PENDING} blocks
 * wait, so memory stays bounded when the digest thread is the slower one.
 *
 * <p>The end of the stream ({@code -1}) is returned only after the MD5 is done and matched any
 * {@code Content-MD5}: a mismatch throws {@link BodyAbortedException}, so the service commits
 * nothing ({@link #badMd5()} then tells the gateway to answer BadDigest).
 *
 * <p>A declared {@code x-amz-content-sha256} is not hashed here: the asset service checks it
 * ({@link ObjectOps#declaredSha256}).
 *
 * <p>Not thread-safe: one reader; the digest is touched only by the chained tasks, in order.
 */
final class DigestBeside extends InputStream {
    static final int BLOCK = 1 << 20;
    static final int MAX_PENDING = 8;

    private final InputStream in;
    private final Executor digestThreads;
    private final MessageDigest md5 = digest("MD5");
    private final Semaphore pending = new Semaphore(MAX_PENDING);
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private byte[] block = new byte[BLOCK];
    private int filled;
    private long total;
    private String md5Hex;

    private final String expectedMd5;

    /**
     * @param expectedMd5 the {@code Content-MD5} (base64), or null
     */
    DigestBeside(InputStream in, Executor digestThreads, @Nullable String expectedMd5) {
        this.in = in;
        this.expectedMd5 = expectedMd5;
        this.digestThreads = digestThreads;
    }

    private static MessageDigest digest(String alg) {
        try {
            return MessageDigest.getInstance(alg);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(alg + " is part of every JDK", e);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (md5Hex != null) {
            return -1;
        }
        int n = in.read(b, off, len);
        if (n < 0) {
            finish();
            return -1;
        }
        total += n;
        int at = 0;
        while (at < n) {
            int take = Math.min(n - at, BLOCK - filled);
            System.arraycopy(b, off + at, block, filled, take);
            filled += take;
            at += take;
            if (filled == BLOCK) {
                hand();
            }
        }
        return n;
    }

    private void hand() throws IOException {
        byte[] full = block;
        int length = filled;
        block = new byte[BLOCK];
        filled = 0;
        try {
            pending.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the digest thread");
        }
        tail = tail.thenRunAsync(() -> {
            try {
                md5.update(full, 0, length);
            } finally {
                pending.release();
            }
        }, digestThreads);
    }

    private void finish() throws IOException {
        if (filled > 0) {
            hand();
        }
        try {
            tail.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the digest thread");
        } catch (ExecutionException e) {
            throw new IOException("digest failed: " + e.getCause().getMessage(), e.getCause());
        }
        byte[] m = md5.digest();
        if (expectedMd5 != null && !java.util.Base64.getEncoder().encodeToString(m).equals(expectedMd5.trim())) {
            badMd5 = true;
            throw new BodyAbortedException(ApiError.BAD_REQUEST, "the body's MD5 does not match Content-MD5");
        }
        md5Hex = HexFormat.of().formatHex(m);
    }

    private boolean badMd5;

    /** True when the body did not match its Content-MD5. */
    boolean badMd5() {
        return badMd5;
    }

    /** Hex MD5 of the whole body, once the stream returned -1. */
    String md5Hex() {
        return md5Hex;
    }

    /** Raw MD5 bytes, once the stream returned -1. */
    byte[] md5() {
        return HexFormat.of().parseHex(md5Hex);
    }

    /** Bytes passed so far. */
    long total() {
        return total;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
