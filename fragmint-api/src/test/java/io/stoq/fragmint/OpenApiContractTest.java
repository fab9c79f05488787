package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The {@link OpenApiContract} against the in-memory test double ({@link TestServer}), plus the
 * document's own validity (which does not depend on the server behind it).
 */
class OpenApiContractTest extends OpenApiContract {

    @Override
    protected ContractServer startServer() throws Exception {
        return new TestServer();
    }

    @Test
    void swaggerParserAcceptsTheDocumentWithoutMessages() throws Exception {
        io.swagger.v3.parser.core.models.ParseOptions opts = new io.swagger.v3.parser.core.models.ParseOptions();
        opts.setResolve(true);
        io.swagger.v3.parser.core.models.SwaggerParseResult r = new io.swagger.v3.parser.OpenAPIV3Parser()
                .readContents(doc.toString(), null, opts);
        assertThat(r.getMessages()).isEmpty();
        assertThat(r.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
        assertThat(r.getOpenAPI().getPaths()).containsKey("/v1/assets/{id}/content");
        // the parser does complain about a broken document (so the empty list above means something)
        io.swagger.v3.parser.core.models.SwaggerParseResult broken = new io.swagger.v3.parser.OpenAPIV3Parser()
                .readContents("{\"openapi\":\"3.1.0\",\"paths\":{\"/x\":{\"get\":{\"responses\":"
                        + "{\"200\":{\"content\":{\"application/json\":{\"schema\":{\"$ref\":"
                        + "\"#/components/schemas/Nope\"}}}}}}}}}", null, opts);
        assertThat(broken.getMessages()).isNotEmpty();
    }

}
