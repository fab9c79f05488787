package io.stoq.fragmint.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DataSizeTest {
    @Test
    void parsesAndPrints() {
        assertThat(DataSize.parse("64KiB").bytes()).isEqualTo(65536);
        assertThat(DataSize.parse("1 GiB")).isEqualTo(DataSize.ofGiB(1));
        assertThat(DataSize.parse("17").bytes()).isEqualTo(17);
        assertThat(DataSize.ofMiB(10).toString()).isEqualTo("10MiB");
        assertThat(DataSize.ofBytes(1500).toString()).isEqualTo("1500B");
        // one DataSize for the API and the node's config: KB, MB, GB mean the binary units, as config files always had it
        assertThat(DataSize.parse("1GB")).isEqualTo(DataSize.ofGiB(1));
        assertThatThrownBy(() -> DataSize.parse("1 GiBs")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DataSize.parse("99999999999TiB")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too large");
    }

    @Test
    void configRejectsNonsense() {
        assertThatThrownBy(() -> ApiServerConfig.defaults().withPorts(70000, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ApiServerConfig.defaults().withRates(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
