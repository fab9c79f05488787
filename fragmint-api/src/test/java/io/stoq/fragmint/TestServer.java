package io.stoq.fragmint;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.auth.Totp;
import io.stoq.fragmint.http.ApiServer;
import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.http.Json;
import io.stoq.fragmint.http.TlsIdentity;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.TotpSecret;
import io.stoq.fragmint.testnode.InMemoryNode;
import io.stoq.fragmint.testnode.MutableClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real {@link ApiServer} on 127.0.0.1 with ephemeral ports over an {@link InMemoryNode}, plus
 * accounts for each role: admin, alice and bob (writers), rita (reader), audrey (auditor), otto
 * (operator), each with an API key and a TOTP secret; alice holds 1000 tokens. The clock is the test's: {@link #totp} moves
 * it one TOTP step so every code is fresh (codes are single-use).
 */
public final class TestServer implements ContractServer {
    public final MutableClock clock = new MutableClock(Instant.parse("2026-11-24T08:00:00Z"));
    public final Path dir;
    public final InMemoryNode node;
    public final ApiServer server;
    public final Map<String, String> keys = new HashMap<>();
    private final Map<String, TotpSecret> secrets = new HashMap<>();
    private final Map<HttpClient.Version, HttpClient> clients = new HashMap<>();

    public TestServer() throws Exception {
        this(ApiServerConfig.defaults().withPorts(0, 0));
    }

    public TestServer(ApiServerConfig config) throws Exception {
        dir = Files.createTempDirectory("fragmint-test");
        node = new InMemoryNode(dir.resolve("assets"), clock);
        for (Object[] a : new Object[][] {{"admin", Role.ADMIN}, {"alice", Role.WRITER}, {"bob", Role.WRITER},
                {"rita", Role.READER}, {"audrey", Role.AUDITOR}, {"otto", Role.OPERATOR}}) {
            String id = (String) a[0];
            node.accounts.create(id, (Role) a[1], id);
            ApiKeys.Issued k = ApiKeys.issue(id, "test", clock.instant(), null);
            node.accounts.addApiKey(k.stored());
            keys.put(id, k.plaintext());
            TotpSecret s = Totp.newSecret();
            node.accounts.setTotpSecret(id, s);
            secrets.put(id, s);
        }
        node.accounts.mint("alice", 1000);
        if (config.http3() && config.tls().certificate() == null) {
            config = config.withTls(ApiServerConfig.Tls.http3Only(localhostCertificate()));
        }
        server = new ApiServer(config, node.ports(), clock);
        server.start();
    }

    private static TlsIdentity localhost;

    /**
     * A self-signed certificate for {@code localhost} and {@code 127.0.0.1}, made once per test
     * JVM: what HTTP/3 (and HTTPS, where a test asks for it) present in tests.
     */
    public static synchronized TlsIdentity localhostCertificate() throws java.security.GeneralSecurityException {
        if (localhost == null) {
            localhost = TlsIdentity.selfSigned(java.util.List.of("localhost"), java.util.List.of("127.0.0.1"),
                    Duration.ofDays(30));
        }
        return localhost;
    }

    /** A fresh TOTP code for {@code account} (advances the clock one step). */
    @Override
    public String totp(String account) {
        clock.advance(Duration.ofSeconds(30));
        return Totp.code(secrets.get(account), clock.instant());
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public int routeCount() {
        return server.routes().routes().size();
    }

    @Override
    public AccountStore accounts() {
        return node.accounts;
    }

    @Override
    public Instant now() {
        return clock.instant();
    }

    @Override
    public String key(String account) {
        return keys.get(account);
    }

    @Override
    public String nodeId() {
        return "node-1";
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    public HttpClient client(HttpClient.Version v) {
        return clients.computeIfAbsent(v, x -> HttpClient.newBuilder().version(x)
                .connectTimeout(Duration.ofSeconds(10)).build());
    }

    /** A request builder with the account's key (null account: no credential). */
    public HttpRequest.Builder request(String path, String account) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60));
        if (account != null) {
            b.header("Authorization", "Bearer " + keys.get(account));
        }
        return b;
    }

    public HttpResponse<byte[]> send(HttpClient.Version v, HttpRequest r) throws IOException, InterruptedException {
        return client(v).send(r, HttpResponse.BodyHandlers.ofByteArray());
    }

    public HttpResponse<byte[]> send(HttpRequest r) throws IOException, InterruptedException {
        return send(HttpClient.Version.HTTP_1_1, r);
    }

    public static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        return Json.MAPPER.readTree(r.body());
    }

    /**
     * The value of one series in {@code /metrics} (scraped as admin), e.g.
     * {@code fragmint_write_stall_cuts_total}; 0 when absent.
     */
    public double metric(String series) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = send(request("/metrics", "admin").build());
        for (String line : new String(r.body(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        server.close();
        deleteTree(dir);
    }

    /** Deletes {@code dir} and everything under it (a test's temporary directory). */
    public static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
