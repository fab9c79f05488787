package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.epoll.Epoll;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.hash.Sha3;
import io.stoq.fragmint.client.Http3Client;
import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.http.DataSize;
import io.stoq.fragmint.http.Json;
import io.stoq.fragmint.http.QuicTransport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * HTTP/3 over each UDP transport ({@link QuicTransport}): the native one with GSO/GRO, where many
 * QUIC packets travel in one syscall and are cut apart again on receipt, and the NIO fallback,
 * in every pairing of server and client, with the congestion controllers the config offers. A
 * byte lost, duplicated or reordered in the segmenting would show as a wrong SHA3 or size.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QuicTransportTest {

    @Test
    void linuxGetsEpollWithSegmentOffloadAndNioStaysAvailable() {
        QuicTransport nio = QuicTransport.choose(false);
        assertThat(nio.isNative()).isFalse();
        assertThat(nio.describe()).isEqualTo("NIO");
        assertThat(nio.segmentAllocator()).isNull();
        QuicTransport best = QuicTransport.choose(true);
        assertThat(best.isNative()).isEqualTo(Epoll.isAvailable());
        if (best.segmentOffload()) {
            assertThat(best.describe()).isEqualTo("epoll, GSO/GRO");
            assertThat(best.segmentAllocator().maxNumSegments()).isEqualTo(QuicTransport.GSO_SEGMENTS);
        }
    }

    @ParameterizedTest(name = "server native {0}, client native {1}, {2}")
    @CsvSource({"true, true, CUBIC", "true, false, CUBIC", "false, true, CUBIC", "false, false, CUBIC", "true, true, BBR"})
    void transfersAreExactOverEveryPairing(boolean serverNative, boolean clientNative, ApiServerConfig.CongestionControl cc)
            throws Exception {
        ApiServerConfig config = ApiServerConfig.defaults().withPorts(0, 0)
                .withQuic(new ApiServerConfig.Quic(DataSize.ofKiB(256), DataSize.ofMiB(1), cc, serverNative));
        try (TestServer t = new TestServer(config);
                Http3Client h3 = new Http3Client(t.server.http3Port(), t.server.certificate(),
                        new String[] {"X25519"}, QuicTransport.choose(clientNative),
                        QuicCongestionControlAlgorithm.valueOf(cc.name()))) {
            assertThat(t.server.http3Transport()).isEqualTo(QuicTransport.choose(serverNative).describe());
            Map<String, String> auth = Map.of("authorization", "Bearer " + t.keys.get("alice"),
                    "content-type", "application/octet-stream");
            // Larger than both windows, so flow-control credit has to come back several times.
            byte[] data = SecureRandoms.bytes(2 * 1024 * 1024 + 17);
            ByteArrayOutputStream created = new ByteArrayOutputStream();
            Http3Client.Result up = h3.exchange("POST", "/v1/assets", auth, new ByteArrayInputStream(data), data.length,
                    created);
            assertThat(up.status()).as(created.toString()).isEqualTo(201);
            JsonNode m = Json.MAPPER.readTree(created.toByteArray());
            assertThat(m.get("sha3").asText()).isEqualTo(Sha3.hash(data).toHex());
            ByteArrayOutputStream down = new ByteArrayOutputStream();
            Http3Client.Result r = h3.exchange("GET", "/v1/assets/" + m.get("id").asText() + "/content", auth, null, 0, down);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyBytes()).isEqualTo(data.length);
            assertThat(Sha3.hash(down.toByteArray())).isEqualTo(Sha3.hash(data));
        }
    }

    @Test
    void windowsAreBoundedAndTheConnectionWindowCoversAStream() {
        ApiServerConfig.Quic q = ApiServerConfig.Quic.DEFAULT;
        assertThat(q.perConnectionBound(100)).isEqualTo(DataSize.ofMiB(16)); // the connection window binds
        assertThat(q.perConnectionBound(2)).isEqualTo(DataSize.ofMiB(8)); // two streams' windows bind
        assertThatThrownBy(() -> new ApiServerConfig.Quic(DataSize.ofMiB(8), DataSize.ofMiB(4),
                ApiServerConfig.CongestionControl.CUBIC, true)).hasMessageContaining("maxData");
        assertThatThrownBy(() -> new ApiServerConfig.Quic(DataSize.ofKiB(1), DataSize.ofMiB(4),
                ApiServerConfig.CongestionControl.CUBIC, true)).hasMessageContaining("maxStreamData");
        assertThatThrownBy(() -> new ApiServerConfig.Quic(DataSize.ofMiB(4), DataSize.ofGiB(2),
                ApiServerConfig.CongestionControl.CUBIC, true)).hasMessageContaining("maxData");
    }
}
