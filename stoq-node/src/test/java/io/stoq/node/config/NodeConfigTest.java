package io.stoq.node.config;

import io.stoq.fragmint.http.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
    @TempDir
    Path tmp;

    @Test
    void everyDefaultParsesAndIsInRange() throws Exception {
        NodeConfig config = NodeConfig.defaults();
        assertThat(config.entries()).hasSize(NodeConfigKeys.ALL.size());
        assertThat(config.get(NodeConfigKeys.API_PORT)).isEqualTo(8080);
        assertThat(config.get(NodeConfigKeys.API_MAX_BODY)).isEqualTo(DataSize.parse("1TiB"));
        assertThat(config.get(NodeConfigKeys.LEDGER_BLOCK_INTERVAL)).isEqualTo(Duration.ofMillis(5));
        assertThat(config.path(NodeConfigKeys.NODE_CERTIFICATE)).isEqualTo(Path.of("data", "node", "node.crt.pem"));
        assertThat(config.entries()).allSatisfy(e -> assertThat(e.source()).isEqualTo(NodeConfig.Source.DEFAULT));
    }

    @Test
    void precedenceIsCommandLineThenEnvironmentThenFileThenDefault() throws Exception {
        Path file = tmp.resolve("stoq.yaml");
        Files.writeString(file, "data:\n  dir: /srv/stoq\napi:\n  port: 9000\n  host: 0.0.0.0\n  rate-limit:\n    burst: 7\n");
        NodeConfig config = NodeConfig.load(file, Map.of("STOQ_API_PORT", "9100", "STOQ_API_HOST", "127.0.0.2"),
                Map.of("api.host", "127.0.0.3"));
        assertThat(config.get(NodeConfigKeys.API_HOST)).isEqualTo("127.0.0.3");
        assertThat(config.get(NodeConfigKeys.API_PORT)).isEqualTo(9100);
        assertThat(config.get(NodeConfigKeys.API_RATE_BURST)).isEqualTo(7);
        assertThat(config.path(NodeConfigKeys.NODE_KEYS_DIR)).isEqualTo(Path.of("/srv/stoq/node"));
        assertThat(config.entries()).filteredOn(e -> e.key() == NodeConfigKeys.API_RATE_BURST).singleElement()
                .satisfies(e -> assertThat(e.source()).isEqualTo(NodeConfig.Source.FILE));
    }

    @Test
    void badConfigNamesTheKeyAndTheProblem() throws Exception {
        Path typo = tmp.resolve("typo.yaml");
        Files.writeString(typo, "store:\n  fsyn: false\n");
        assertThatThrownBy(() -> NodeConfig.load(typo, Map.of(), Map.of()))
                .isInstanceOf(NodeException.class).hasMessageContaining("unknown config key 'store.fsyn'").hasMessageContaining("did you mean store.fsync?");
        Path badValue = tmp.resolve("bad.yaml");
        Files.writeString(badValue, "store:\n  min-free: lots\n");
        assertThatThrownBy(() -> NodeConfig.load(badValue, Map.of(), Map.of())).hasMessageContaining("store.min-free").hasMessageContaining("not a size");
        Path notYaml = tmp.resolve("broken.yaml");
        Files.writeString(notYaml, "api: [unclosed\n");
        assertThatThrownBy(() -> NodeConfig.load(notYaml, Map.of(), Map.of())).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> NodeConfig.load(null, Map.of("STOQ_LEDGER_BLOCK_INTERVAL", "1y"), Map.of()))
                .hasMessageContaining("ledger.block-interval").hasMessageContaining("$STOQ_LEDGER_BLOCK_INTERVAL");
        assertThatThrownBy(() -> NodeConfig.load(null, Map.of(), Map.of("api.port", "70000"))).hasMessageContaining("outside 0 .. 65535");
        assertThatThrownBy(() -> NodeConfig.load(null, Map.of(), Map.of("shard.max-average-chunk", "768KiB")))
                .hasMessageContaining("shard.max-average-chunk").hasMessageContaining("not a power of two");
        assertThatThrownBy(() -> NodeConfig.load(null, Map.of(), Map.of("shard.max-average-chunk", "32KiB")))
                .hasMessageContaining("outside 64KiB .. 4MiB");
        assertThat(NodeConfig.load(null, Map.of(), Map.of("shard.max-average-chunk", "64KiB")).get(NodeConfigKeys.SHARD_MAX_AVERAGE_CHUNK).bytes())
                .isEqualTo(64 * 1024);
        assertThatThrownBy(() -> NodeConfig.load(tmp.resolve("missing.yaml"), Map.of(), Map.of())).hasMessageContaining("does not exist");
        try {
            NodeConfig.load(null, Map.of(), Map.of("nope", "1"));
        } catch (NodeException e) {
            assertThat(e.code()).isEqualTo(NodeErrorCode.BAD_CONFIG);
        }
    }

    @Test
    void committedReferenceIsUpToDate() throws Exception {
        Path committed = Path.of("..", "docs", "config.md");
        assertThat(Files.readString(committed))
                .as("docs/config.md is stale: regenerate with `./stoq config docs > docs/config.md`")
                .isEqualTo(NodeConfig.markdownReference());
    }

    @Test
    void exampleConfigFileLoadsAndMatchesTheDefaults() throws Exception {
        Path example = Path.of("..", "config", "stoq.yaml");
        NodeConfig fromFile = NodeConfig.load(example, Map.of(), Map.of());
        NodeConfig defaults = NodeConfig.defaults();
        for (int i = 0; i < defaults.entries().size(); i++) {
            NodeConfig.Entry expected = defaults.entries().get(i);
            NodeConfig.Entry actual = fromFile.entries().get(i);
            assertThat(actual.value()).as(expected.key().name()).isEqualTo(expected.value());
            assertThat(actual.source()).as("config/stoq.yaml should list %s", expected.key().name()).isEqualTo(NodeConfig.Source.FILE);
        }
    }

    @Property(tries = 200)
    void sizesRoundTripThroughText(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long bytes) {
        DataSize size = DataSize.ofBytes(bytes);
        assertThat(DataSize.parse(size.toString())).isEqualTo(size);
    }

    @Test
    void sizeAndDurationSyntax() {
        assertThat(DataSize.parse("64MiB").bytes()).isEqualTo(64L << 20);
        assertThat(DataSize.parse("4 GB").bytes()).isEqualTo(4L << 30);
        assertThat(DataSize.ofKiB(1536).toString()).isEqualTo("1536KiB");
        assertThatThrownBy(() -> DataSize.parse("-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DataSize.parse("99999999999TiB")).hasMessageContaining("too large");
        assertThat(ConfigKey.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(ConfigKey.parseDuration("PT2M")).isEqualTo(Duration.ofMinutes(2));
        assertThat(ConfigKey.format(Duration.ofHours(48))).isEqualTo("2d");
    }
}
