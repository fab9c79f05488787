package io.stoq.fragmint.s3;

import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.http.DataSize;
import io.stoq.fragmint.http.TlsIdentity;
import java.time.Duration;
import java.util.Objects;

/**
 * How the S3 gateway listens and what it allows (node keys {@code s3.*}, docs/config.md). The
 * client bounds are the REST listener's groups ({@code api.*} keys), enforced by the same
 * {@link io.stoq.fragmint.http.ListenerGuards}; only the connection cap is the gateway's own
 * ({@code s3.max-connections}).
 *
 * @param host address to bind
 * @param port TCP port (0 picks a free one)
 * @param domain base domain for virtual-hosted style ({@code bucket.domain}), or null for path style only
 * @param region the region the gateway answers for (the SigV4 scope's region is checked against it)
 * @param tls certificate for HTTPS (the main API's), or null for plain HTTP
 * @param maxSkew largest difference between a signed request's time and the node's clock
 * @param limits connections (total, per address), header size, largest single PUT or part
 *     ({@code maxUploadSize}), minimum upload rate
 * @param timeouts idle connection, request head, write stall
 * @param workers threads running requests (each upload holds one while its body arrives)
 */
public record S3Config(String host, int port, String domain, String region, TlsIdentity tls, Duration maxSkew,
        ApiServerConfig.Limits limits, ApiServerConfig.Timeouts timeouts, int workers) {
    public S3Config {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(maxSkew, "maxSkew");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(timeouts, "timeouts");
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be positive");
        }
        if (domain != null && domain.isBlank()) {
            domain = null;
        }
    }

    /** Loopback, port 0, path style, region us-east-1, no TLS, the API's default bounds (idle 60 s): what tests use. */
    public static S3Config loopback() {
        return new S3Config("127.0.0.1", 0, null, "us-east-1", null, Duration.ofMinutes(15),
                ApiServerConfig.Limits.DEFAULT.withMaxUploadSize(DataSize.ofBytes(5L << 40)).withConnections(512, 128),
                new ApiServerConfig.Timeouts(Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(30)), 32);
    }

    public S3Config withDomain(String d) {
        return new S3Config(host, port, d, region, tls, maxSkew, limits, timeouts, workers);
    }

    public S3Config withLimits(ApiServerConfig.Limits l) {
        return new S3Config(host, port, domain, region, tls, maxSkew, l, timeouts, workers);
    }

    public S3Config withTimeouts(ApiServerConfig.Timeouts t) {
        return new S3Config(host, port, domain, region, tls, maxSkew, limits, t, workers);
    }

    /** Largest single PUT or part, in bytes. */
    public long maxObjectSize() {
        return limits.maxUploadSize().bytes();
    }
}
