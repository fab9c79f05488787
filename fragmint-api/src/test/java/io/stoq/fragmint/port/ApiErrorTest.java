package io.stoq.fragmint.port;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ApiErrorTest {
    @Test
    void exitCodesAreUniqueAndOutsideOtherModulesRanges() {
        assertThat(Arrays.stream(ApiError.values()).map(ApiError::exitCode)).doesNotHaveDuplicates()
                .allSatisfy(c -> assertThat(c).isBetween(50, 70));
    }

    @Test
    void problemTypesAreStableUris() {
        for (ApiError e : ApiError.values()) {
            assertThat(e.type()).matches("https://stoq\\.io/problems/[a-z-]+");
            assertThat(e.status()).isBetween(400, 599);
        }
    }
}
