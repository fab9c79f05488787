package io.stoq.net.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.net.LeakGuard;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetFixture;
import io.stoq.net.frame.Frame;
import io.stoq.net.frame.FrameType;
import io.stoq.net.frame.Payloads;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A responder whose stream closed while an ERROR frame from the caller waited in its queue
 * releases that frame when it gives up. The caller sends an ERROR mid-body and then its connection
 * goes; the responder writes again only once its stream is closed, so the close has recorded the
 * failure first, and its write fails. Before, the give-up path ({@link StreamIo#fail}) saw a
 * failure already recorded and released nothing: the ERROR frame, parsed on arrival and queued
 * for a reader that never came, leaked (seen once in ShardTransferTest under the paranoid
 * detector). Releasing on close instead would be wrong: a reader may still drain data before the
 * peer's FIN.
 */
@ExtendWith(LeakGuard.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GivenUpStreamTest {
    private static final MessageType STREAM = new MessageType(0x0F01, "stream-until-refused");

    @TempDir
    static Path dir;
    static StoqTransport server;
    static StoqTransport client;
    static PeerSession session;
    static final CompletableFuture<ServerExchange> serving = new CompletableFuture<>();
    static final CountDownLatch writeAgain = new CountDownLatch(1);
    static final CompletableFuture<IOException> secondWrite = new CompletableFuture<>();

    @BeforeAll
    static void setUp() throws Exception {
        NetFixture net = new NetFixture(dir, "main");
        server = net.builder(net.identity(net.issue("node-a"))).handle(STREAM, (request, responder) -> {
            OutputStream out = responder.replyStreaming(new byte[] {1});
            out.write(new byte[] {1, 2, 3, 4});
            out.flush();
            serving.complete((ServerExchange) responder);
            try {
                writeAgain.await();
                out.write(new byte[] {5, 6, 7, 8});
                out.flush();
                secondWrite.complete(null);
            } catch (IOException e) {
                secondWrite.complete(e);
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).start();
        client = net.builder(net.identity(net.issue("node-b"))).start();
        session = (PeerSession) client.connect(server.localAddress());
    }

    @AfterAll
    static void tearDown() {
        client.close();
        server.close();
    }

    @Test
    void anErrorQueuedBeforeTheStreamClosedIsReleasedWhenTheResponderGivesUp() throws Exception {
        StreamIo caller = session.openStream(Duration.ofSeconds(10));
        caller.send(Payloads.request(STREAM.code(), false, new byte[0])); // no FIN yet: the ERROR follows on this side
        Frame head = caller.next();
        try {
            assertThat(head.type()).isEqualTo(FrameType.RESPONSE);
        } finally {
            head.release();
        }
        // The caller refuses the body (an ERROR frame), then its connection goes before the responder reads on.
        caller.send(Payloads.error(NetErrorCode.REFUSED, "the caller refuses this body"));
        StreamIo responder = serving.get(20, TimeUnit.SECONDS).io();
        await().atMost(Duration.ofSeconds(20)).until(() -> responder.queuedFrames() == 1);
        session.close();
        // The caller gives its stream up too, with the responder's DATA frame still unread in its queue.
        await().atMost(Duration.ofSeconds(20)).until(() -> !caller.channel().isActive());
        caller.channel().eventLoop().submit(() -> { }).sync();
        assertThat(caller.queuedFrames()).as("the responder's DATA waits in the caller's queue").isEqualTo(1);
        caller.abort();
        assertThat(caller.queuedFrames()).as("the caller gave up: nothing stays queued").isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> !responder.channel().isActive());
        responder.channel().eventLoop().submit(() -> { }).sync(); // its channelInactive has run
        assertThat(responder.queuedFrames()).as("the caller's ERROR waits in the responder's queue").isEqualTo(1);

        writeAgain.countDown();
        assertThat(secondWrite.get(20, TimeUnit.SECONDS)).as("the write on the closed stream fails").isNotNull();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(responder.queuedFrames()).as("the responder gave up: nothing stays queued").isZero());
        // The server still serves: a new connection gets an answer.
        try (io.stoq.net.Reply reply = client.connect(server.localAddress()).call(MessageType.PING, new byte[] {7})) {
            assertThat(reply.meta()).containsExactly(7);
        }
    }
}
