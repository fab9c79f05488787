package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stoq.fragmint.http.Json;
import io.stoq.fragmint.port.LedgerEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /v1/events streams ledger events to WebSocket subscribers, filtered by permission. */
class EventsSocketTest {
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = new TestServer();
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    static final class Collector implements WebSocket.Listener {
        final List<String> types = new CopyOnWriteArrayList<>();
        final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    types.add(Json.MAPPER.readTree(partial.toString()).get("type").asText());
                } catch (java.io.IOException e) {
                    types.add("unparseable");
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }
    }

    WebSocket connect(String account, Collector c, String query) throws Exception {
        return t.client(HttpClient.Version.HTTP_1_1).newWebSocketBuilder()
                .header("Authorization", "Bearer " + t.keys.get(account))
                .buildAsync(URI.create("ws://127.0.0.1:" + t.server.port() + "/v1/events" + query), c)
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void subscribersSeeOnlyWhatTheirRoleMayRead() throws Exception {
        Collector reader = new Collector();
        Collector auditor = new Collector();
        WebSocket r = connect("rita", reader, "");
        WebSocket a = connect("audrey", auditor, "");
        await().atMost(Duration.ofSeconds(10)).until(() -> t.node.ledger.subscriberCount() == 2);
        t.node.ledger.commit(LedgerEvent.Category.ASSET, "asset.created", "a1", Map.of());
        t.node.ledger.commit(LedgerEvent.Category.ACCOUNT, "account.created", "zed", Map.of());
        t.node.ledger.commit(LedgerEvent.Category.TOKEN, "token.transferred", "bob", Map.of("amount", 3));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(reader.types).containsExactly("asset.created", "token.transferred");
            // the auditor sees asset metadata events (never content), accounts and tokens
            assertThat(auditor.types).containsExactly("asset.created", "account.created", "token.transferred");
        });
        r.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
        a.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> t.node.ledger.subscriberCount() == 0);
    }

    @Test
    void resumesAfterASequenceNumber() throws Exception {
        Collector c = new Collector();
        WebSocket ws = connect("admin", c, "?after=0");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(c.types).contains("ledger.genesis"));
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
    }
}
