package io.stoq.fragmint.s3;

import io.stoq.fragmint.http.TlsIdentity;
import java.time.Duration;
import java.util.Objects;

/**
 * How the S3 gateway listens and what it allows (node keys {@code s3.*}, docs/config.md).
 *
 * @param host address to bind
 * @param port TCP port (0 picks a free one)
 * @param domain base domain for virtual-hosted style ({@code bucket.domain}), or null for path style only
 * @param region the region the gateway answers for (the SigV4 scope's region is checked against it)
 * @param tls certificate for HTTPS (the main API's), or null for plain HTTP
 * @param maxSkew largest difference between a signed request's time and the node's clock
 * @param idle how long a request may send nothing (head or body) before it is failed
 * @param maxObjectSize largest single PUT or part
 * @param workers threads running requests (each upload holds one while its body arrives)
 * @param maxConnections open connections at most
 */
public record S3Config(String host, int port, String domain, String region, TlsIdentity tls, Duration maxSkew, Duration idle,
        long maxObjectSize, int workers, int maxConnections) {
    public S3Config {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(maxSkew, "maxSkew");
        Objects.requireNonNull(idle, "idle");
        if (workers < 1 || maxConnections < 1 || maxObjectSize < 1) {
            throw new IllegalArgumentException("workers, connections and object size must be positive");
        }
        if (domain != null && domain.isBlank()) {
            domain = null;
        }
    }

    /** Loopback, port 0, path style, region us-east-1, no TLS: what tests use. */
    public static S3Config loopback() {
        return new S3Config("127.0.0.1", 0, null, "us-east-1", null, Duration.ofMinutes(15), Duration.ofSeconds(60),
                5L << 40, 32, 512);
    }

    public S3Config withDomain(String d) {
        return new S3Config(host, port, d, region, tls, maxSkew, idle, maxObjectSize, workers, maxConnections);
    }
}
