package io.stoq.fragmint;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An HTTP/1.1 client on a raw socket, for requests no well-behaved client library sends (bad
 * escapes, duplicate headers, broken Content-Length, pipelining) and for telling an answer from
 * silence: {@link #read} fails with {@link Silence} when the server closes or says nothing within
 * the timeout, instead of hiding it behind a retry. Interim 1xx answers are returned like any
 * other (so a test can see whether {@code 100 Continue} was sent). One instance per connection;
 * not thread-safe.
 */
public final class HttpWire implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** The server closed the connection or sent nothing in time, where an answer was due. */
    public static final class Silence extends IOException {
        private static final long serialVersionUID = 1L;

        Silence(String message) {
            super(message);
        }
    }

    /**
     * One response.
     *
     * @param status status code
     * @param headers header names in lower case, each with its values in order
     * @param body the body bytes (de-chunked)
     */
    public record Response(int status, Map<String, List<String>> headers, byte[] body) {
        public Optional<String> header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** True when the server said it closes the connection after this response. */
        public boolean closes() {
            return header("Connection").map(v -> v.toLowerCase(Locale.ROOT).contains("close")).orElse(false);
        }
    }

    public HttpWire(int port, java.time.Duration timeout) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout((int) timeout.toMillis());
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    public HttpWire(int port) throws IOException {
        this(port, java.time.Duration.ofSeconds(10));
    }

    public HttpWire send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public HttpWire send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends a request and reads its final answer (skipping nothing: see {@link #read}). */
    public Response exchange(String request) throws IOException {
        send(request);
        return read();
    }

    /** Reads the next response; throws {@link Silence} on close or timeout before it is complete. */
    public Response read() throws IOException {
        return read(true);
    }

    /**
     * Reads the next response; {@code withBody} false for the answer to a HEAD request (its
     * Content-Length describes a body that is not sent).
     */
    public Response read(boolean withBody) throws IOException {
        String statusLine;
        try {
            statusLine = line();
        } catch (SocketTimeoutException e) {
            throw new Silence("no response within " + socket.getSoTimeout() + " ms");
        }
        if (statusLine == null) {
            throw new Silence("connection closed without a response");
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String h = line(); h != null && !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            headers.computeIfAbsent(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(h.substring(colon + 1).trim());
        }
        Response head = new Response(status, headers, new byte[0]);
        byte[] body;
        try {
            if (!withBody || status < 200 || status == 204 || status == 304) {
                body = new byte[0];
            } else if (head.header("Transfer-Encoding").map(v -> v.contains("chunked")).orElse(false)) {
                body = chunked();
            } else if (head.header("Content-Length").isPresent()) {
                body = in.readNBytes(Integer.parseInt(head.header("Content-Length").get()));
            } else {
                body = in.readAllBytes();
            }
        } catch (SocketTimeoutException e) {
            throw new Silence("response body stalled");
        }
        return new Response(status, headers, body);
    }

    /** True when the server has closed its side (waits up to {@code millis} for a sign). */
    public boolean closedByServer(int millis) throws IOException {
        int old = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        try {
            in.mark(1);
            int b = in.read();
            in.reset();
            return b < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        } finally {
            socket.setSoTimeout(old);
        }
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String size = line(); size != null; size = line()) {
            int n = Integer.parseInt(size.split(";", 2)[0].trim(), 16);
            if (n == 0) {
                for (String t = line(); t != null && !t.isEmpty(); t = line()) {
                    // trailers ignored
                }
                return b.toByteArray();
            }
            b.write(in.readNBytes(n));
            line();
        }
        throw new Silence("chunked body cut short");
    }

    /** One CRLF-terminated line, or null at end of stream. */
    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] l = b.toByteArray();
                int len = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
                return new String(l, 0, len, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
