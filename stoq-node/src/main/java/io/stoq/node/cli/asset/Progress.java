package io.stoq.node.cli.asset;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;

/**
 * A one-line progress bar on stderr for long uploads: percent, bytes and MiB/s, redrawn with a
 * carriage return at most five times a second. Wraps the stream the upload reads from, so the bar
 * shows what the HTTP client has taken (the network's pace, thanks to backpressure).
 *
 * <p>Used by one upload thread at a time (the HTTP client's reader).
 */
final class Progress extends FilterInputStream {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final long total;
    private final long start = System.nanoTime();
    private long done;
    private long lastDraw;

    Progress(InputStream in, long total, PrintWriter err) {
        super(in);
        this.total = total;
        this.err = err;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            advance(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
            advance(n);
        }
        return n;
    }

    private void advance(long n) {
        done += n;
        long now = System.nanoTime();
        if (now - lastDraw >= REDRAW_NANOS || done == total) {
            lastDraw = now;
            draw(now);
        }
    }

    private void draw(long now) {
        double fraction = total == 0 ? 1 : (double) done / total;
        int filled = (int) Math.round(fraction * WIDTH);
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        err.printf("\r[%s%s] %5.1f%% %,d/%,d bytes %.1f MiB/s", "#".repeat(filled), " ".repeat(WIDTH - filled),
                fraction * 100, done, total, done / seconds / (1024 * 1024));
        if (done == total) {
            err.println();
        }
        err.flush();
    }
}
