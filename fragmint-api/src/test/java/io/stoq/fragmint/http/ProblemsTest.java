package io.stoq.fragmint.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Library messages reach clients only when they name no Java type. */
class ProblemsTest {

    @Test
    void clientSafeKeepsPlainMessagesAndDropsImplementationNames() {
        assertThat(Problems.clientSafe("Content-Length value is not a number: 1e3", "x"))
                .isEqualTo("Content-Length value is not a number: 1e3");
        assertThat(Problems.clientSafe("two\n lines", "x")).isEqualTo("two lines");
        for (String leak : new String[] {"Cannot deserialize value of type `java.lang.Long` from String",
                "io.stoq.fragmint.route.Messages$CreateAccount", "java.lang.IllegalArgumentException: x",
                "see DeserializationFeature.FAIL_ON_TRAILING_TOKENS", "\tat io.netty.Foo.bar(Foo.java:1)",
                "x".repeat(200), ""}) {
            assertThat(Problems.clientSafe(leak, "fallback")).as(leak).isEqualTo("fallback");
        }
        assertThat(Problems.clientSafe((Throwable) null, "fallback")).isEqualTo("fallback");
    }
}
