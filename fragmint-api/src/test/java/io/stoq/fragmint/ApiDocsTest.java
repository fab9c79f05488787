package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.fragmint.route.Route;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** docs/api.md lists every route of the route table (so the docs cannot silently drift). */
class ApiDocsTest {
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = new TestServer(io.stoq.fragmint.http.ApiServerConfig.defaults().withPorts(0, -1));
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    @Test
    void everyRouteIsDocumented() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "api.md"));
        for (Route r : t.server.routes().routes()) {
            assertThat(doc).as(r.operationId()).contains("`" + r.method() + " " + r.path() + "`");
        }
    }
}
