package io.stoq.node.cli.asset;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Option;

/**
 * Where the node is and how to authenticate, shared by every {@code stoq asset} command
 * ({@code @Mixin ClientOptions client;}). Defaults suit {@code stoq dev} run in the same directory.
 */
public final class ClientOptions {
    /** Environment variable holding an API key; wins over {@code --key-file}. */
    public static final String KEY_ENV = "STOQ_API_KEY";

    @Option(names = "--url", paramLabel = "URL", defaultValue = "${env:STOQ_URL:-http://127.0.0.1:8080}",
            description = {"Base URL of the node; env STOQ_URL", "(default: ${DEFAULT-VALUE})."})
    String url;

    @Option(names = "--key-file", paramLabel = "FILE", defaultValue = "data/dev-admin.key",
            description = {"File holding the API key (STOQ_API_KEY wins)",
                "(default: ${DEFAULT-VALUE}, from `stoq dev`)."})
    Path keyFile;

    @Option(names = "--cacert", paramLabel = "FILE", defaultValue = "${env:STOQ_CACERT}",
            description = "For https URLs, trust only the certificates in this PEM file (env STOQ_CACERT). "
                    + "Default: the system's CAs, plus tls/api.crt.pem beside --key-file when it exists "
                    + "(the certificate of `stoq dev --tls`).")
    Path cacert;

    /** Test seam: a key given directly wins over the environment and the file. */
    String keyOverride;

    /** The development certificate that `stoq dev` keeps beside its admin key file. */
    Path devCertificate() {
        Path dir = keyFile.toAbsolutePath().getParent();
        return dir == null ? null : dir.resolve("tls").resolve("api.crt.pem");
    }

    /**
     * The TLS trust for https URLs: only {@code --cacert}'s certificates when given; else the JDK's
     * default CAs plus the development certificate beside the key file when it exists; else null
     * (the JDK default). Host names are checked either way.
     */
    SSLContext sslContext() throws ApiException {
        if (cacert != null) {
            return TrustFiles.trusting(TrustFiles.read(cacert, "--cacert"), false);
        }
        Path dev = devCertificate();
        if (dev != null && Files.isRegularFile(dev)) {
            return TrustFiles.trusting(TrustFiles.read(dev, "the development certificate"), true);
        }
        return null;
    }

    public URI baseUri() throws ApiException {
        try {
            URI u = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                    || u.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw new ApiException(ApiError.BAD_REQUEST, "bad --url '" + url + "': expected e.g. http://127.0.0.1:8080");
        }
    }

    String apiKey() throws ApiException {
        if (keyOverride != null) {
            return keyOverride;
        }
        String env = System.getenv(KEY_ENV);
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            String key = Files.readString(keyFile, StandardCharsets.US_ASCII).strip();
            if (key.isEmpty()) {
                throw new ApiException(ApiError.UNAUTHENTICATED, "key file " + keyFile + " is empty");
            }
            return key;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ApiException(ApiError.UNAUTHENTICATED, "no API key: " + keyFile
                    + " does not exist (start `stoq dev`, pass --key-file, or set " + KEY_ENV + ")");
        } catch (IOException e) {
            throw new ApiException(ApiError.UNAUTHENTICATED, "cannot read key file " + keyFile + ": " + e.getMessage());
        }
    }
}
