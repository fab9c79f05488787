package io.stoq.fragmint.s3;

import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The body of a response whose outcome takes long (CompleteMultipartUpload streams every part into
 * the object): as S3 does, the 200 and its headers go out at once, then a space every
 * {@link #INTERVAL_SECONDS} s so clients and proxies do not time the connection out, then the
 * result document, which may be an {@code <Error>} (clients parse it; the SDKs and aws-cli do).
 * The XML declaration goes first, before any space: a parser refuses a declaration after
 * whitespace, and whitespace between the declaration and the root element is allowed.
 *
 * <p>Read by the connection's writer thread only; the work runs elsewhere and completes the future.
 */
final class KeepAliveBody extends InputStream {
    static final int INTERVAL_SECONDS = 10;
    private final CompletableFuture<String> result;
    private static final String PROLOG = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    private byte[] doc;
    private int pos;
    private boolean prologSent;

    KeepAliveBody(CompletableFuture<String> result) {
        this.result = result;
    }

    @Override
    public int read() throws InterruptedIOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws InterruptedIOException {
        if (!prologSent) {
            prologSent = true;
            byte[] p = PROLOG.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(p, 0, b, off, Math.min(len, p.length)); // len is a 64 KiB step
            return Math.min(len, p.length);
        }
        if (doc == null) {
            try {
                String d = result.get(INTERVAL_SECONDS, TimeUnit.SECONDS);
                doc = (d.startsWith(PROLOG) ? d.substring(PROLOG.length()) : d).getBytes(StandardCharsets.UTF_8);
            } catch (TimeoutException e) {
                b[off] = ' ';
                return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the result");
            } catch (ExecutionException e) {
                doc = S3Xml.error(S3Error.INTERNAL_ERROR, "We encountered an internal error. Please try again.", null, null)
                        .substring(PROLOG.length()).getBytes(StandardCharsets.UTF_8);
            }
        }
        if (pos == doc.length) {
            return -1;
        }
        int n = Math.min(len, doc.length - pos);
        System.arraycopy(doc, pos, b, off, n);
        pos += n;
        return n;
    }
}
