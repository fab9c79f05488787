package io.stoq.fragmint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A plain socket speaking HTTP/1.1 by hand, for clients that misbehave on purpose: never read,
 * trickle bytes, hold connections open. Reads responses with a Content-Length body only.
 */
public final class RawHttp implements AutoCloseable {
    public final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** A response head and (when read) its body. */
    public record Response(int status, String head, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    public RawHttp(int port) throws IOException {
        this(port, 0);
    }

    /** @param receiveBuffer SO_RCVBUF to ask for before connecting (0: the default) */
    public RawHttp(int port, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(30_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** A GET with the given credential (null: none). */
    public RawHttp get(String path, String key) throws IOException {
        return send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + (key == null ? "" : "Authorization: Bearer " + key + "\r\n") + "\r\n");
    }

    /** Reads a response head only (the body stays unread in the socket). */
    public Response readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.size() + " bytes of a response head");
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return new Response(Integer.parseInt(text.substring(9, 12)), text, new byte[0]);
    }

    /** Reads a whole response whose body has a Content-Length. */
    public Response read() throws IOException {
        Response h = readHead();
        long length = 0;
        for (String line : h.head().split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(line.substring(15).trim());
            }
        }
        return new Response(h.status(), h.head(), in.readNBytes((int) length));
    }

    /**
     * True when the server closed the connection without sending a byte: reading meets the end of
     * the stream (or a reset) at once.
     */
    public boolean closedWithoutAnswer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException reset) {
            return true;
        }
    }

    /** Reads and discards until the server closes; true if it did (false on a read timeout). */
    public boolean drainsToClose() throws IOException {
        byte[] buf = new byte[64 * 1024];
        try {
            while (in.read(buf) >= 0) {
                // discard
            }
            return true;
        } catch (SocketException reset) {
            return true;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        }
    }

    /**
     * Sends {@code piece} every {@code every} on a thread of its own until closed or until the
     * server closes the connection (a slow client on purpose).
     */
    public AutoCloseable trickle(byte[] piece, java.time.Duration every) {
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread t = new Thread(() -> {
            try {
                while (!stop.get()) {
                    send(piece);
                    Thread.sleep(every.toMillis());
                }
            } catch (IOException | InterruptedException closedByServer) {
                // the point of the exercise: the server cut the connection
            }
        }, "trickle");
        t.start();
        return () -> {
            stop.set(true);
            t.join();
        };
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
