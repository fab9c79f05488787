package io.stoq.fragmint.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.Nullable;
import io.stoq.fragmint.port.Role;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The request body checks on shapes the end-to-end tests do not reach (nested records, lists,
 * enums, 32-bit integers): every refusal is a 400 naming the field's path and the JSON type.
 */
class JsonBodyReaderTest {
    record Item(String name, int count) {}

    record Order(List<Item> items, Role role, @Nullable Instant due, @Nullable Long limit, boolean urgent) {}

    private static String refusal(String json) {
        try {
            JsonBodyReader.read(json.getBytes(StandardCharsets.UTF_8), Order.class);
        } catch (ApiException e) {
            assertThat(e.error()).isEqualTo(ApiError.BAD_REQUEST);
            assertThat(e.getMessage()).doesNotContain("java").doesNotContain("Exception").doesNotContain("$");
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + json);
    }

    @Test
    void aWellFormedBodyBindsAndNullableFieldsMayBeLeftOut() throws Exception {
        Order o = JsonBodyReader.read(("{\"items\":[{\"name\":\"a\",\"count\":2}],\"role\":\"ADMIN\","
                + "\"urgent\":false}").getBytes(StandardCharsets.UTF_8), Order.class);
        assertThat(o.items()).containsExactly(new Item("a", 2));
        assertThat(o.due()).isNull();
        assertThat(o.limit()).isNull();
    }

    @Test
    void refusalsNameTheFieldPathAndTheExpectedType() {
        String ok = "\"role\":\"ADMIN\",\"urgent\":true";
        assertThat(refusal("{\"items\":[{\"name\":\"a\",\"count\":1},{\"name\":7,\"count\":1}]," + ok + "}"))
                .isEqualTo("field 'items[1].name' must be a string, not an integer");
        assertThat(refusal("{\"items\":[{\"name\":\"a\",\"count\":2147483648}]," + ok + "}"))
                .startsWith("field 'items[0].count' is out of range");
        assertThat(refusal("{\"items\":[{\"name\":\"a\"}]," + ok + "}")).isEqualTo("missing field 'items[0].count'");
        assertThat(refusal("{\"items\":[{\"name\":\"a\",\"count\":1,\"x\":1}]," + ok + "}"))
                .isEqualTo("unknown field 'items[0].x': 'items[0]' takes name, count");
        assertThat(refusal("{\"items\":[],\"role\":\"root\",\"urgent\":true}"))
                .isEqualTo("field 'role' must be one of ADMIN, OPERATOR, WRITER, READER, AUDITOR");
        assertThat(refusal("{\"items\":[],\"role\":\"ADMIN\",\"urgent\":1}")).isEqualTo("field 'urgent' must be true or false, not an integer");
        assertThat(refusal("{\"items\":{}," + ok + "}")).isEqualTo("field 'items' must be an array, not an object");
        assertThat(refusal("{\"items\":[]," + ok + ",\"due\":1700000000}")).contains("'due'").contains("ISO-8601");
        assertThat(refusal("{\"items\":[]," + ok + ",\"due\":\"tomorrow\"}")).contains("'due'").contains("ISO-8601");
        assertThat(refusal("{\"items\":[]," + ok + ",\"limit\":1.0}")).isEqualTo("field 'limit' must be an integer, not a decimal number");
        assertThat(refusal("{\"items\":null," + ok + "}")).isEqualTo("field 'items' must not be null");
        assertThat(refusal("{\"items\":[]," + ok + ",\"role\":\"ADMIN\"}")).isEqualTo("field 'role' appears more than once");
        assertThat(refusal("[" .repeat(40) + "]".repeat(40))).contains("nested more than 32");
        assertThat(refusal("{\"items\":[]," + ok + "} 1")).startsWith("unexpected data after the JSON value");
        assertThat(refusal("{\"items\":[" )).isEqualTo("the JSON body ends before its value is complete");
        assertThat(refusal("{'items':1}")).startsWith("the body is not valid JSON (line 1, column 2)");
        assertThat(refusal("  ")).isEqualTo("missing JSON body");
        assertThat(refusal("\"text\"")).isEqualTo("the body must be a JSON object, not a string");
    }
}
