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
        assertThatThrownBy(() -> DataSize.parse("1GB")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DataSize.parse("99999999999TiB")).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void configRejectsNonsense() {
        assertThatThrownBy(() -> ApiServerConfig.defaults().withPorts(70000, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ApiServerConfig.defaults().withRates(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
