package io.stoq.fragmint.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTableTest {
    static final Handler NOOP = ex -> new Reply.Empty(204, java.util.Map.of());
    static final RouteTable TABLE = new RouteTable(List.of(
            RouteBuilder.get("/v1/assets/{id}", "a").handle(NOOP),
            RouteBuilder.delete("/v1/assets/{id}", "b").handle(NOOP),
            RouteBuilder.get("/v1/assets/{id}/content", "c").handle(NOOP)));

    @Test
    void matchesTemplatesAndExtractsVariables() throws Exception {
        RouteTable.Match m = TABLE.match("GET", "/v1/assets/abc-1.2_~");
        assertThat(m.route().operationId()).isEqualTo("a");
        assertThat(m.params()).containsEntry("id", "abc-1.2_~");
        assertThat(TABLE.match("GET", "/v1/assets/x/content").route().operationId()).isEqualTo("c");
    }

    @Test
    void unknownPathsAndMethods() throws Exception {
        assertThatThrownBy(() -> TABLE.match("GET", "/v1/assets/a%2Fb")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.error()).isEqualTo(ApiError.NOT_FOUND));
        assertThatThrownBy(() -> TABLE.match("GET", "/v1/assets/")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> TABLE.match("PUT", "/v1/assets/x")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.error()).isEqualTo(ApiError.METHOD_NOT_ALLOWED));
        assertThat(TABLE.methodsFor("/v1/assets/x")).containsExactly("GET", "HEAD", "DELETE");
        // HEAD is answered by the GET route
        assertThat(TABLE.match("HEAD", "/v1/assets/x").route().method()).isEqualTo("GET");
    }

    @Test
    void duplicatesAreRejected() {
        assertThatThrownBy(() -> new RouteTable(List.of(RouteBuilder.get("/x", "a").handle(NOOP),
                RouteBuilder.get("/x", "b").handle(NOOP)))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RouteTable(List.of(RouteBuilder.get("/x", "a").handle(NOOP),
                RouteBuilder.get("/y", "a").handle(NOOP)))).isInstanceOf(IllegalArgumentException.class);
    }
}
