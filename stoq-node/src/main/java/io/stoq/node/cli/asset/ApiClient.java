package io.stoq.node.cli.asset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.node.cli.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * A small FragMint REST client on {@code java.net.http.HttpClient} for the {@code stoq asset}
 * commands: JSON calls, streamed uploads and streamed downloads. Failures become
 * {@link ApiException}s carrying the server's problem+json {@code code}, so the CLI exits with the
 * same code ({@link ApiError#exitCode()}) the server meant, and prints its one-line detail.
 *
 * <p>Why the JDK client and not Netty's: the CLI needs HTTP/1.1 with streaming both ways and
 * nothing else; the JDK client does that with no extra dependency or event loop to manage.
 * HTTP/1.1 is pinned so no h2c upgrade dance happens on uploads.
 */
public final class ApiClient {
    private static final ObjectMapper MAPPER = Json.mapper();

    private final HttpClient http;
    private final URI base;
    private final String key;

    /**
     * @param ssl the TLS trust for an https {@code base}, or null for the JDK's default CAs
     */
    ApiClient(URI base, String key, javax.net.ssl.SSLContext ssl) {
        this.base = base;
        this.key = key;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10));
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.http = b.build();
    }

    public static ApiClient of(ClientOptions options) throws ApiException {
        URI base = options.baseUri();
        return new ApiClient(base, options.apiKey(), "https".equals(base.getScheme()) ? options.sslContext() : null);
    }

    HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(base.resolve(pathAndQuery)).header("Authorization", "Bearer " + key);
    }

    /** Sends a request and parses a JSON answer (null for 204). */
    JsonNode json(HttpRequest request) throws ApiException {
        HttpResponse<InputStream> r = send(request);
        try (InputStream body = r.body()) {
            if (r.statusCode() >= 400) {
                throw problem(r.statusCode(), body);
            }
            if (r.statusCode() == 204) {
                return null;
            }
            return MAPPER.readTree(body);
        } catch (IOException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "bad answer from " + base + ": " + e.getMessage(), e);
        }
    }

    JsonNode getJson(String pathAndQuery) throws ApiException {
        return json(request(pathAndQuery).GET().build());
    }

    JsonNode postJson(String path, Object body, Map<String, String> headers) throws ApiException {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/json");
        headers.forEach(b::header);
        try {
            return json(b.POST(HttpRequest.BodyPublishers.ofByteArray(MAPPER.writeValueAsBytes(body))).build());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends a POST without a body (an action, e.g. a key rotation) and parses the JSON answer. */
    public JsonNode post(String path, Map<String, String> headers) throws ApiException {
        HttpRequest.Builder b = request(path);
        headers.forEach(b::header);
        return json(b.POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    /** Sends a DELETE; null for 204, else the JSON answer. */
    JsonNode delete(String path) throws ApiException {
        return json(request(path).DELETE().build());
    }

    /**
     * Streams a download into {@code out} and returns the answer's headers' view of it. The
     * output stream is not closed.
     */
    HttpResponse<InputStream> download(HttpRequest request, OutputStream out) throws ApiException, IOException {
        HttpResponse<InputStream> r = send(request);
        try (InputStream body = r.body()) {
            if (r.statusCode() >= 400) {
                throw problem(r.statusCode(), body);
            }
            body.transferTo(out);
        }
        return r;
    }

    private HttpResponse<InputStream> send(HttpRequest request) throws ApiException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "cannot reach the node at " + base
                    + " (is `stoq dev` running? set --url or STOQ_URL)", e);
        } catch (javax.net.ssl.SSLHandshakeException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "TLS with " + base + " failed: the node's certificate is not "
                    + "trusted here, or not issued for this host; pass the certificate to trust with --cacert FILE "
                    + "(for `stoq dev --tls`: --cacert data/tls/api.crt.pem)", e);
        } catch (javax.net.ssl.SSLException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "TLS with " + base + " failed (is it an https port?)", e);
        } catch (IOException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "request to " + base + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ApiError.UNAVAILABLE, "interrupted", e);
        }
    }

    /** Turns an error answer into the matching typed failure (problem+json, or the bare status). */
    static ApiException problem(int status, InputStream body) {
        String detail = null;
        ApiError error = null;
        try {
            JsonNode p = MAPPER.readTree(body.readNBytes(64 * 1024));
            if (p != null && p.isObject()) {
                detail = p.path("detail").asText(null);
                String code = p.path("code").asText(null);
                if (code != null) {
                    try {
                        error = ApiError.valueOf(code);
                    } catch (IllegalArgumentException unknownCode) {
                        error = null;
                    }
                }
            }
        } catch (IOException notJson) {
            detail = null;
        }
        if (error == null) {
            error = byStatus(status);
        }
        String line = (detail == null ? error.title() : detail).replace('\n', ' ');
        return new ApiException(error, line + " (HTTP " + status + ")");
    }

    private static ApiError byStatus(int status) {
        for (ApiError e : ApiError.values()) {
            if (e.status() == status) {
                return e;
            }
        }
        return status >= 500 ? ApiError.INTERNAL : ApiError.BAD_REQUEST;
    }
}
