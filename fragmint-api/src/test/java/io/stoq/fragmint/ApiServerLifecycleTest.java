package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.fragmint.http.ApiServer;
import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.http.ServerState;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.testnode.InMemoryNode;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** Start, stop, and a clean typed failure when the port is taken. */
class ApiServerLifecycleTest {
    @Test
    void portInUseIsATypedOneLineFailureAndReleasesEverything() throws Exception {
        try (TestServer running = new TestServer(ApiServerConfig.defaults().withPorts(0, -1))) {
            InMemoryNode node = new InMemoryNode(running.dir.resolve("second"), Clock.systemUTC());
            ApiServer second = new ApiServer(ApiServerConfig.defaults().withPorts(running.server.port(), -1),
                    node.ports(), Clock.systemUTC());
            assertThatThrownBy(second::start).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.error()).isEqualTo(ApiError.UNAVAILABLE);
                assertThat(e.getMessage()).contains(Integer.toString(running.server.port())).doesNotContain("\n");
            });
            assertThat(second.state()).isEqualTo(ServerState.FAILED);
            second.close();
            assertThat(second.state()).isEqualTo(ServerState.STOPPED);
            assertThatThrownBy(second::start).isInstanceOf(IllegalStateException.class);
            assertThat(running.send(running.request("/healthz", null).build()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void closeLetsAnInFlightUploadFinish() throws Exception {
        TestServer t = new TestServer(ApiServerConfig.defaults().withPorts(0, -1));
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", t.server.port())) {
            s.setSoTimeout(20_000);
            java.io.OutputStream out = s.getOutputStream();
            out.write(("POST /v1/assets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.keys.get("alice")
                    + "\r\nContent-Length: 200000\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(new byte[100_000]);
            out.flush();
            // the upload is in the service (its staging file exists) before close begins
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> t.node.assets.stagingFiles() == 1);
            Thread closer = new Thread(t.server::close);
            closer.start();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> t.server.state() == ServerState.STOPPING);
            out.write(new byte[100_000]);
            out.flush();
            assertThat(ErrorHandlingTest.readHead(s.getInputStream())).startsWith("HTTP/1.1 201");
            closer.join(20_000);
            assertThat(t.server.state()).isEqualTo(ServerState.STOPPED);
            assertThat(t.node.assets.assetCount()).isEqualTo(1);
        } finally {
            t.close();
        }
    }

    @Test
    void legalTransitionsOnly() {
        assertThat(ServerState.NEW.canMoveTo(ServerState.STARTING)).isTrue();
        assertThat(ServerState.RUNNING.canMoveTo(ServerState.STARTING)).isFalse();
        assertThat(ServerState.STOPPED.canMoveTo(ServerState.RUNNING)).isFalse();
    }
}
