package io.stoq.fragmint.http;

import io.stoq.fragmint.auth.AuthSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the API server; stoq-node maps its YAML config onto this. Defaults are in
 * {@link #defaults()} and documented in docs/api.md.
 *
 * @param host bind address (default 127.0.0.1)
 * @param port TCP port for HTTP/1.1 and h2c, 0 for an ephemeral port (default 8080)
 * @param http3Port UDP port for HTTP/3, 0 for ephemeral, -1 to disable (default 8443)
 * @param maxJsonBody largest JSON request body (default 64KiB)
 * @param maxUploadSize largest asset upload (default 64GiB)
 * @param maxHeaderSize largest request header block (default 16KiB)
 * @param ratePerAccount sustained requests per second per account (default 200)
 * @param rateBurst burst capacity of each bucket (default 400)
 * @param ratePerAddress sustained requests per second per client address, counted before
 *     authentication so credential guessing is slowed (default 400)
 * @param workerThreads threads running handlers and blocking port calls (default 32)
 * @param sessionLifetime how long a TOTP-verified session lasts (default 15 minutes)
 * @param idleTimeout connections idle this long are closed (default 5 minutes)
 * @param auth second-factor lockout thresholds and enrollment code lifetime
 *     ({@link AuthSettings#defaults()})
 */
public record ApiServerConfig(String host, int port, int http3Port, DataSize maxJsonBody,
        DataSize maxUploadSize, DataSize maxHeaderSize, int ratePerAccount, int rateBurst,
        int ratePerAddress, int workerThreads, Duration sessionLifetime, Duration idleTimeout,
        AuthSettings auth) {

    /** Everything but the auth settings, which take their defaults. */
    public ApiServerConfig(String host, int port, int http3Port, DataSize maxJsonBody,
            DataSize maxUploadSize, DataSize maxHeaderSize, int ratePerAccount, int rateBurst,
            int ratePerAddress, int workerThreads, Duration sessionLifetime, Duration idleTimeout) {
        this(host, port, http3Port, maxJsonBody, maxUploadSize, maxHeaderSize, ratePerAccount,
                rateBurst, ratePerAddress, workerThreads, sessionLifetime, idleTimeout,
                AuthSettings.defaults());
    }

    public ApiServerConfig {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
        if (http3Port < -1 || http3Port > 65535) {
            throw new IllegalArgumentException("http3Port must be -1..65535: " + http3Port);
        }
        if (maxJsonBody.bytes() < 1024 || maxJsonBody.bytes() > (64L << 20)) {
            throw new IllegalArgumentException("maxJsonBody must be 1KiB..64MiB: " + maxJsonBody);
        }
        if (maxHeaderSize.bytes() < 1024 || maxHeaderSize.bytes() > (1L << 20)) {
            throw new IllegalArgumentException("maxHeaderSize must be 1KiB..1MiB: " + maxHeaderSize);
        }
        if (ratePerAccount < 1 || rateBurst < 1 || ratePerAddress < 1) {
            throw new IllegalArgumentException("rate limits must be positive");
        }
        if (workerThreads < 2 || workerThreads > 1024) {
            throw new IllegalArgumentException("workerThreads must be 2..1024: " + workerThreads);
        }
        Objects.requireNonNull(sessionLifetime, "sessionLifetime");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(auth, "auth");
    }

    public static ApiServerConfig defaults() {
        return new ApiServerConfig("127.0.0.1", 8080, 8443, DataSize.ofKiB(64), DataSize.ofGiB(64),
                DataSize.ofKiB(16), 200, 400, 400, 32, Duration.ofMinutes(15), Duration.ofMinutes(5));
    }

    public ApiServerConfig withPorts(int newPort, int newHttp3Port) {
        return new ApiServerConfig(host, newPort, newHttp3Port, maxJsonBody, maxUploadSize,
                maxHeaderSize, ratePerAccount, rateBurst, ratePerAddress, workerThreads,
                sessionLifetime, idleTimeout, auth);
    }

    public ApiServerConfig withMaxUploadSize(DataSize size) {
        return new ApiServerConfig(host, port, http3Port, maxJsonBody, size, maxHeaderSize,
                ratePerAccount, rateBurst, ratePerAddress, workerThreads, sessionLifetime, idleTimeout, auth);
    }

    public ApiServerConfig withRates(int perAccount, int burst, int perAddress) {
        return new ApiServerConfig(host, port, http3Port, maxJsonBody, maxUploadSize, maxHeaderSize,
                perAccount, burst, perAddress, workerThreads, sessionLifetime, idleTimeout, auth);
    }

    public ApiServerConfig withAuth(AuthSettings newAuth) {
        return new ApiServerConfig(host, port, http3Port, maxJsonBody, maxUploadSize, maxHeaderSize,
                ratePerAccount, rateBurst, ratePerAddress, workerThreads, sessionLifetime, idleTimeout,
                newAuth);
    }
}
