package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The hostile load of issue 10's freeze, for starvation tests on the test double and on a real
 * node: connections that ask for a large asset and never read its bytes, and uploads that trickle
 * one byte every 500 ms. {@link #close()} stops the tricklers and closes every connection.
 */
public final class SlowClients implements AutoCloseable {
    private final List<RawHttp> connections = new ArrayList<>();
    private final List<Thread> tricklers = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();

    private SlowClients() {}

    /**
     * Opens {@code stalledDownloads} connections that each GET {@code bigAssetId}'s content (with a
     * 4 KiB receive buffer, so the server soon cannot write) and {@code tricklingUploads} that POST
     * a 1 MB asset one byte at a time, all with API key {@code key}.
     */
    public static SlowClients start(int port, String key, String bigAssetId, int stalledDownloads, int tricklingUploads)
            throws IOException {
        SlowClients s = new SlowClients();
        try {
            for (int i = 0; i < stalledDownloads; i++) {
                RawHttp c = s.track(new RawHttp(port, 4096));
                assertThat(c.get("/v1/assets/" + bigAssetId + "/content", key).readHead().status()).isEqualTo(200);
            }
            for (int i = 0; i < tricklingUploads; i++) {
                RawHttp c = s.track(new RawHttp(port));
                c.send("POST /v1/assets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n");
                Thread trickle = new Thread(() -> s.trickle(c), "trickling-upload");
                trickle.start();
                s.tricklers.add(trickle);
            }
            return s;
        } catch (IOException | RuntimeException | Error e) {
            try {
                s.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Asserts, three rounds in a row, that {@code me} answers 200 and {@code download} answers 200
     * with {@code expected}, each within {@code atMost} while this load goes on.
     */
    public static void expectAnsweredThreeTimes(Callable<HttpResponse<byte[]>> me, Callable<HttpResponse<byte[]>> download,
            byte[] expected, Duration atMost) {
        for (int round = 0; round < 3; round++) {
            await().atMost(atMost).ignoreExceptions().untilAsserted(() -> assertThat(me.call().statusCode()).isEqualTo(200));
            await().atMost(atMost).ignoreExceptions().untilAsserted(() -> {
                HttpResponse<byte[]> down = download.call();
                assertThat(down.statusCode()).isEqualTo(200);
                assertThat(down.body()).isEqualTo(expected);
            });
        }
    }

    private RawHttp track(RawHttp c) {
        connections.add(c);
        return c;
    }

    private void trickle(RawHttp c) {
        try {
            while (!stop.get()) {
                c.send(new byte[1]);
                Thread.sleep(500);
            }
        } catch (IOException | InterruptedException closed) {
            // the server cut the upload or the test is over: either ends this trickle
        }
    }

    @Override
    public void close() throws IOException {
        stop.set(true);
        for (RawHttp c : connections) {
            c.close();
        }
        for (Thread t : tricklers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
