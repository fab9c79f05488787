package io.stoq.fragmint.http;

import io.stoq.fragmint.auth.AuthSettings;
import io.stoq.quic.QuicTransport;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the API server, in typed groups; stoq-node maps its config keys onto this (see
 * {@code StoqNode}). Each group is a record that holds its defaults ({@code DEFAULT}) and checks
 * its ranges in its constructor, so a default and its range sit side by side and a bad value is
 * refused when the config is built, not when a request trips over it.
 *
 * <p>Build with {@link #defaults()} and the {@code with...} methods, or {@link #builder()}; callers
 * never use the canonical constructor, so adding a group changes only
 * this file. Immutable.
 *
 * @param listen where to bind
 * @param tls the certificate for HTTPS and HTTP/3
 * @param limits sizes, counts and rates a client may use
 * @param timeouts how long the server waits on a client
 * @param rates request-rate token buckets
 * @param workers the handler thread pools
 * @param sessionLifetime how long a TOTP-verified session lasts (default 15 minutes)
 * @param auth second-factor lockout thresholds and enrollment code lifetime
 *     ({@link AuthSettings#defaults()})
 * @param quic QUIC flow-control windows, congestion control and UDP transport of HTTP/3
 */
public record ApiServerConfig(Listen listen, Tls tls, Limits limits, Timeouts timeouts, Rates rates,
        Workers workers, Duration sessionLifetime, AuthSettings auth, Quic quic) {

    /** Default session lifetime. */
    public static final Duration DEFAULT_SESSION_LIFETIME = Duration.ofMinutes(15);

    public ApiServerConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(rates, "rates");
        Objects.requireNonNull(workers, "workers");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(quic, "quic");
        Checks.between("sessionLifetime", sessionLifetime, Duration.ofMinutes(1), Duration.ofDays(1));
    }

    /**
     * Every group at its default: 127.0.0.1:8080, no TLS and therefore no HTTP/3 (HTTP/3 needs a
     * certificate; see {@link Tls}).
     */
    public static ApiServerConfig defaults() {
        return new ApiServerConfig(Listen.DEFAULT, Tls.OFF, Limits.DEFAULT, Timeouts.DEFAULT, Rates.DEFAULT,
                Workers.DEFAULT, DEFAULT_SESSION_LIFETIME, AuthSettings.defaults(), Quic.DEFAULT);
    }

    public static Builder builder() {
        return defaults().toBuilder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public ApiServerConfig withListen(Listen l) {
        return toBuilder().listen(l).build();
    }

    public ApiServerConfig withTls(Tls t) {
        return toBuilder().tls(t).build();
    }

    public ApiServerConfig withLimits(Limits l) {
        return toBuilder().limits(l).build();
    }

    public ApiServerConfig withTimeouts(Timeouts t) {
        return toBuilder().timeouts(t).build();
    }

    public ApiServerConfig withRates(Rates r) {
        return toBuilder().rates(r).build();
    }

    public ApiServerConfig withWorkers(Workers w) {
        return toBuilder().workers(w).build();
    }

    public ApiServerConfig withAuth(AuthSettings a) {
        return toBuilder().auth(a).build();
    }

    public ApiServerConfig withQuic(Quic q) {
        return toBuilder().quic(q).build();
    }

    /** Same host, other ports: {@code http3Port} 0 is ephemeral, -1 turns HTTP/3 off. */
    public ApiServerConfig withPorts(int port, int http3Port) {
        return withListen(new Listen(listen.host(), port, http3Port));
    }

    public ApiServerConfig withMaxUploadSize(DataSize size) {
        return withLimits(limits.withMaxUploadSize(size));
    }

    public ApiServerConfig withRates(int perAccount, int burst, int perAddress) {
        return withRates(new Rates(perAccount, burst, perAddress));
    }

    /** Largest JSON request body (shortcut used by the OpenAPI description). */
    public DataSize maxJsonBody() {
        return limits.maxJsonBody();
    }

    /** Largest asset upload (shortcut used by the OpenAPI description). */
    public DataSize maxUploadSize() {
        return limits.maxUploadSize();
    }

    /** True when HTTP/3 is to be served (it then needs {@link Tls#certificate()}). */
    public boolean http3() {
        return listen.http3Port() >= 0;
    }

    /**
     * Where the server binds.
     *
     * @param host bind address (default 127.0.0.1)
     * @param port TCP port for HTTP/1.1 and HTTP/2, 0 for an ephemeral port (default 8080)
     * @param http3Port UDP port for HTTP/3, 0 for ephemeral, -1 to disable (default -1, because
     *     HTTP/3 needs a certificate; stoq-node serves it on the TCP port's number)
     */
    public record Listen(String host, int port, int http3Port) {
        public static final Listen DEFAULT = new Listen("127.0.0.1", 8080, -1);

        public Listen {
            Objects.requireNonNull(host, "host");
            Checks.between("port", port, 0, 65535);
            Checks.between("http3Port", http3Port, -1, 65535);
        }
    }

    /**
     * The one certificate of the API. HTTP/3 always uses it (QUIC is always TLS); TCP serves HTTPS
     * with it (HTTP/1.1 and HTTP/2 by ALPN) when {@code tcp} is true, and plain HTTP/1.1 plus h2c
     * otherwise. Use the factories.
     *
     * @param certificate key and chain; null only when neither TCP TLS nor HTTP/3 is wanted
     * @param tcp whether the TCP port speaks TLS
     */
    public record Tls(TlsIdentity certificate, boolean tcp) {
        /** Plain HTTP on TCP and no certificate (HTTP/3 must then be off). */
        public static final Tls OFF = new Tls(null, false);

        public Tls {
            if (tcp && certificate == null) {
                throw new IllegalArgumentException("TLS on TCP needs a certificate");
            }
        }

        /** HTTPS on TCP and HTTP/3, one certificate. */
        public static Tls https(TlsIdentity certificate) {
            return new Tls(Objects.requireNonNull(certificate, "certificate"), true);
        }

        /** Plain HTTP on TCP; HTTP/3 with {@code certificate}. */
        public static Tls http3Only(TlsIdentity certificate) {
            return new Tls(Objects.requireNonNull(certificate, "certificate"), false);
        }
    }

    /**
     * What one client may make the server hold.
     *
     * @param maxJsonBody largest JSON request body (default 64KiB; 1KiB..64MiB)
     * @param maxUploadSize largest asset upload (default 64GiB; at least 1KiB)
     * @param maxHeaderSize largest request header block (default 16KiB; 1KiB..1MiB)
     * @param maxConnections open TCP and QUIC connections in total; more are closed at once
     *     (default 4096; 1..1000000)
     * @param maxConnectionsPerAddress open connections per client address (an IPv6 client counts
     *     by its /64); more are closed at once (default 128; 1..1000000)
     * @param maxStreamsPerConnection concurrent HTTP/2 streams (SETTINGS_MAX_CONCURRENT_STREAMS)
     *     and HTTP/3 request streams (QUIC initial_max_streams_bidi) per connection (default 100;
     *     1..10000)
     * @param uploadMinRate the slowest a request body may arrive (default 64KiB per 20 s)
     */
    public record Limits(DataSize maxJsonBody, DataSize maxUploadSize, DataSize maxHeaderSize, int maxConnections,
            int maxConnectionsPerAddress, int maxStreamsPerConnection, MinRate uploadMinRate) {
        public static final Limits DEFAULT = new Limits(DataSize.ofKiB(64), DataSize.ofGiB(64), DataSize.ofKiB(16),
                4096, 128, 100, new MinRate(DataSize.ofKiB(64), Duration.ofSeconds(20)));

        public Limits {
            Checks.between("maxJsonBody", maxJsonBody, DataSize.ofKiB(1), DataSize.ofMiB(64));
            Checks.between("maxUploadSize", maxUploadSize, DataSize.ofKiB(1), DataSize.ofBytes(Long.MAX_VALUE));
            Checks.between("maxHeaderSize", maxHeaderSize, DataSize.ofKiB(1), DataSize.ofMiB(1));
            Checks.between("maxConnections", maxConnections, 1, 1_000_000);
            Checks.between("maxConnectionsPerAddress", maxConnectionsPerAddress, 1, 1_000_000);
            Checks.between("maxStreamsPerConnection", maxStreamsPerConnection, 1, 10_000);
            Objects.requireNonNull(uploadMinRate, "uploadMinRate");
        }

        public Limits withMaxUploadSize(DataSize size) {
            return new Limits(maxJsonBody, size, maxHeaderSize, maxConnections, maxConnectionsPerAddress,
                    maxStreamsPerConnection, uploadMinRate);
        }

        public Limits withMaxJsonBody(DataSize size) {
            return new Limits(size, maxUploadSize, maxHeaderSize, maxConnections, maxConnectionsPerAddress,
                    maxStreamsPerConnection, uploadMinRate);
        }

        public Limits withConnections(int total, int perAddress) {
            return new Limits(maxJsonBody, maxUploadSize, maxHeaderSize, total, perAddress,
                    maxStreamsPerConnection, uploadMinRate);
        }

        public Limits withMaxStreamsPerConnection(int streams) {
            return new Limits(maxJsonBody, maxUploadSize, maxHeaderSize, maxConnections, maxConnectionsPerAddress,
                    streams, uploadMinRate);
        }

        public Limits withUploadMinRate(MinRate rate) {
            return new Limits(maxJsonBody, maxUploadSize, maxHeaderSize, maxConnections, maxConnectionsPerAddress,
                    maxStreamsPerConnection, rate);
        }
    }

    /**
     * A minimum transfer rate, measured over whole windows: every {@code per} while the server
     * waits for a request body, at least {@code bytes} must have arrived. The window does not
     * restart on each byte, so trickling one byte at a time does not keep a request alive.
     *
     * @param bytes least bytes per window (1B..1GiB)
     * @param per window length (100ms..1h)
     */
    public record MinRate(DataSize bytes, Duration per) {
        public MinRate {
            Checks.between("bytes", bytes, DataSize.ofBytes(1), DataSize.ofGiB(1));
            Checks.between("per", per, Duration.ofMillis(100), Duration.ofHours(1));
        }

        @Override
        public String toString() {
            return bytes + " per " + Checks.format(per);
        }
    }

    /**
     * How long the server waits on a client.
     *
     * @param idle a connection with no traffic this long is closed; also QUIC's idle timeout
     *     (default 5 minutes; 1s..1d)
     * @param header a request head (HTTP/1.1 request line and headers, or the first bytes of a new
     *     connection including its TLS handshake, or an HTTP/3 stream's HEADERS) must arrive
     *     within this (default 10 s; 100ms..10m)
     * @param writeStall a response that cannot be written for this long because the client does
     *     not read is cut (default 30 s; 100ms..1h)
     */
    public record Timeouts(Duration idle, Duration header, Duration writeStall) {
        public static final Timeouts DEFAULT = new Timeouts(Duration.ofMinutes(5), Duration.ofSeconds(10),
                Duration.ofSeconds(30));

        public Timeouts {
            Checks.between("idle", idle, Duration.ofSeconds(1), Duration.ofDays(1));
            Checks.between("header", header, Duration.ofMillis(100), Duration.ofMinutes(10));
            Checks.between("writeStall", writeStall, Duration.ofMillis(100), Duration.ofHours(1));
        }

        public Timeouts withIdle(Duration d) {
            return new Timeouts(d, header, writeStall);
        }

        public Timeouts withHeader(Duration d) {
            return new Timeouts(idle, d, writeStall);
        }

        public Timeouts withWriteStall(Duration d) {
            return new Timeouts(idle, header, d);
        }
    }

    /**
     * Token buckets.
     *
     * @param perAccount sustained requests per second per account (default 200; 1..1000000)
     * @param burst burst capacity of each account bucket (default 400; 1..1000000)
     * @param perAddress sustained requests per second per client address, counted before
     *     authentication so credential guessing is slowed; burst is twice this (default 400;
     *     1..1000000)
     */
    public record Rates(int perAccount, int burst, int perAddress) {
        public static final Rates DEFAULT = new Rates(200, 400, 400);

        public Rates {
            Checks.between("perAccount", perAccount, 1, 1_000_000);
            Checks.between("burst", burst, 1, 1_000_000);
            Checks.between("perAddress", perAddress, 1, 1_000_000);
        }
    }

    /**
     * Handler threads. Requests without a streamed body run on {@code threads}; asset uploads,
     * whose handler reads the body as it arrives and so waits on the client, run on their own
     * {@code uploadThreads} so slow uploaders cannot take the threads everyone else needs.
     * Downloads never hold a thread while the client is slow (see {@code ContentPump}).
     *
     * @param threads request handler threads (default 32; 2..1024); queue 16 per thread, then 503
     * @param uploadThreads upload handler threads (default 32; 1..1024); queue 4 per thread, then 503.
     *     An upload holds its thread while it waits for its synced writes and its ledger block, so
     *     the concurrent uploads a node group-commits together are at most this many
     */
    public record Workers(int threads, int uploadThreads) {
        public static final Workers DEFAULT = new Workers(32, 32);

        public Workers {
            Checks.between("threads", threads, 2, 1024);
            Checks.between("uploadThreads", uploadThreads, 1, 1024);
        }
    }

    /**
     * HTTP/3's QUIC settings. The windows are what a client may send before the server has read
     * it: the server's QUIC library holds up to {@code maxStreamData} unread bytes per request
     * stream and {@code maxData} per connection (the smaller of {@code maxData} and
     * {@code maxStreamData x maxStreamsPerConnection}), so a client that sends and never lets the
     * server catch up makes the node hold at most that per connection, times the open connections
     * ({@link Limits#maxConnections()}). Large enough to cover the bandwidth-delay product of one
     * fast stream; the windows of HTTP/1.1 (the kernel's TCP buffers) and HTTP/2 (1 MiB per stream)
     * are bounded the same way.
     *
     * @param maxStreamData QUIC initial_max_stream_data_bidi_* (default 4MiB; 64KiB..256MiB)
     * @param maxData QUIC initial_max_data, per connection (default 16MiB; at least
     *     {@code maxStreamData}, at most 1GiB)
     * @param congestionControl quiche's congestion controller (default CUBIC)
     * @param nativeTransport use Linux's epoll transport with UDP GSO/GRO where available
     *     ({@link QuicTransport}); false forces Java NIO (default true)
     * @param maxUdpPayload the largest QUIC packet (UDP payload, bytes) a connection may grow to by
     *     path MTU discovery on the native transport: {@value #AUTO_MAX_UDP_PAYLOAD} (the default)
     *     for {@link QuicTransport#autoMaxUdpPayload} (discovery up to
     *     {@value QuicTransport#LOOPBACK_UDP_PAYLOAD} on a loopback address, none elsewhere), else
     *     {@value QuicTransport#BASE_UDP_PAYLOAD} (no discovery) to {@value QuicTransport#MAX_UDP_PAYLOAD}
     */
    public record Quic(DataSize maxStreamData, DataSize maxData, CongestionControl congestionControl,
            boolean nativeTransport, int maxUdpPayload) {
        /** {@code maxUdpPayload}: chosen from the listening address ({@link QuicTransport#autoMaxUdpPayload}). */
        public static final int AUTO_MAX_UDP_PAYLOAD = QuicTransport.AUTO_MAX_UDP_PAYLOAD;
        public static final Quic DEFAULT = new Quic(DataSize.ofMiB(4), DataSize.ofMiB(16), CongestionControl.CUBIC, true);

        public Quic {
            Checks.between("maxStreamData", maxStreamData, DataSize.ofKiB(64), DataSize.ofMiB(256));
            Checks.between("maxData", maxData, maxStreamData, DataSize.ofGiB(1));
            Objects.requireNonNull(congestionControl, "congestionControl");
            if (maxUdpPayload != AUTO_MAX_UDP_PAYLOAD) {
                QuicTransport.requireValidMaxUdpPayload(maxUdpPayload);
            }
        }

        /** With the packet size limit chosen from the listening address. */
        public Quic(DataSize maxStreamData, DataSize maxData, CongestionControl congestionControl, boolean nativeTransport) {
            this(maxStreamData, maxData, congestionControl, nativeTransport, AUTO_MAX_UDP_PAYLOAD);
        }

        /** The packet size limit for a socket bound to {@code local}. */
        public int maxUdpPayloadFor(java.net.InetAddress local) {
            return maxUdpPayloadFor(maxUdpPayload, local);
        }

        /**
         * The packet size limit for a socket bound to {@code local} when {@code configured} is set
         * ({@link #AUTO_MAX_UDP_PAYLOAD} or a valid size).
         *
         * @throws IllegalArgumentException if {@code configured} is neither
         */
        public static int maxUdpPayloadFor(int configured, java.net.InetAddress local) {
            return QuicTransport.maxUdpPayloadFor(configured, local);
        }

        /** Unread bytes one connection can make the server hold at most. */
        public DataSize perConnectionBound(int maxStreamsPerConnection) {
            return DataSize.ofBytes(Math.min(maxData.bytes(), maxStreamData.bytes() * maxStreamsPerConnection));
        }
    }

    /** quiche's congestion controllers. */
    public enum CongestionControl { CUBIC, BBR, RENO }

    /** A mutable copy for building a config in steps; {@link #build()} checks it. */
    public static final class Builder {
        private Listen listen;
        private Tls tls;
        private Limits limits;
        private Timeouts timeouts;
        private Rates rates;
        private Workers workers;
        private Duration sessionLifetime;
        private AuthSettings auth;
        private Quic quic;

        private Builder(ApiServerConfig c) {
            listen = c.listen;
            tls = c.tls;
            limits = c.limits;
            timeouts = c.timeouts;
            rates = c.rates;
            workers = c.workers;
            sessionLifetime = c.sessionLifetime;
            auth = c.auth;
            quic = c.quic;
        }

        public Builder listen(Listen l) {
            listen = l;
            return this;
        }

        public Builder tls(Tls t) {
            tls = t;
            return this;
        }

        public Builder limits(Limits l) {
            limits = l;
            return this;
        }

        public Builder timeouts(Timeouts t) {
            timeouts = t;
            return this;
        }

        public Builder rates(Rates r) {
            rates = r;
            return this;
        }

        public Builder workers(Workers w) {
            workers = w;
            return this;
        }

        public Builder sessionLifetime(Duration d) {
            sessionLifetime = d;
            return this;
        }

        public Builder auth(AuthSettings a) {
            auth = a;
            return this;
        }

        public Builder quic(Quic q) {
            quic = q;
            return this;
        }

        public ApiServerConfig build() {
            return new ApiServerConfig(listen, tls, limits, timeouts, rates, workers, sessionLifetime, auth, quic);
        }
    }

    /** Range checks with messages that name the setting. */
    static final class Checks {
        private Checks() {}

        static void between(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " must be " + min + ".." + max + ": " + value);
            }
        }

        static void between(String name, DataSize value, DataSize min, DataSize max) {
            Objects.requireNonNull(value, name);
            if (value.bytes() < min.bytes() || value.bytes() > max.bytes()) {
                throw new IllegalArgumentException(name + " must be " + min + ".." + max + ": " + value);
            }
        }

        static void between(String name, Duration value, Duration min, Duration max) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " must be " + format(min) + ".." + format(max) + ": "
                        + format(value));
            }
        }

        static String format(Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
        }
    }
}
