package io.stoq.node.daemon;

import io.stoq.fragmint.client.Http3Client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.keys.PemFiles;
import io.stoq.fragmint.TestCertificates;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.cli.StoqCli;
import io.stoq.node.config.NodeConfig;
import io.stoq.quic.QuicTransport;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The node's TLS, on real nodes: HTTP/3's own certificate is made once and kept across restarts;
 * an operator's PEM chain and key serve HTTPS (HTTP/1.1 and h2 by ALPN) and HTTP/3 to clients
 * trusting only its CA; plain HTTP on a non-loopback address is refused before anything is
 * opened; bad TLS files are refused naming the file; the CLI trusts what {@code --cacert} names.
 */
class NodeTlsTest {
    @TempDir
    Path dir;

    StoqNode start(Map<String, String> extra) throws Exception {
        DevIdentity.ensure(dir);
        Map<String, String> keys = new HashMap<>(Map.of("data.dir", dir.toString(), "api.port", "0",
                "store.min-free", "0B", "ledger.block-interval", "5ms", "shard.parallelism", "2", "peer.bind", "127.0.0.1:0"));
        keys.putAll(extra);
        return StoqNode.start(NodeConfig.load(null, Map.of(), keys), Clock.systemUTC(), true);
    }

    static X509Certificate jdk(X509Certificate c) throws Exception {
        return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(c.getEncoded()));
    }

    static int h3Health(int port, X509Certificate trusted) throws Exception {
        try (Http3Client h3 = new Http3Client(port, trusted)) {
            return h3.exchange("GET", "/healthz", Map.of(), null, 0, new ByteArrayOutputStream()).status();
        }
    }

    @Test
    void http3CertificateIsMadeOnceAndKeptAcrossRestarts() throws Exception {
        Path cert = dir.resolve("tls").resolve("api.crt.pem");
        Path key = dir.resolve("tls").resolve("api.key.pem");
        byte[] first;
        try (StoqNode node = start(Map.of())) {
            assertThat(node.baseUri().getScheme()).as("no api.tls.*: plain HTTP on TCP").isEqualTo("http");
            first = Files.readAllBytes(cert);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent()))).isEqualTo("rwx------");
            X509Certificate served = jdk(PemFiles.readCertificate(cert));
            assertThat(served.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList())
                    .contains("localhost", "127.0.0.1");
            assertThat(node.server().certificate()).isEqualTo(served);
            assertThat(h3Health(node.http3Port(), served)).isEqualTo(200);
        }
        try (StoqNode again = start(Map.of())) {
            assertThat(Files.readAllBytes(cert)).as("the same certificate after a restart").isEqualTo(first);
            X509Certificate served = jdk(PemFiles.readCertificate(cert));
            assertThat(again.server().certificate()).isEqualTo(served);
            assertThat(h3Health(again.http3Port(), served)).isEqualTo(200);
        }
    }

    @Test
    void anOperatorChainServesHttpsAndHttp3ToClientsTrustingOnlyItsCa() throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("operator CA");
        TestCertificates.Issued leaf = TestCertificates.server(ca);
        Path chain = dir.resolve("api-chain.pem");
        Path key = dir.resolve("api-key.pem");
        PemFiles.writeCertificates(chain, List.of(leaf.certificate(), ca.certificate()));
        // The traditional "EC PRIVATE KEY" (SEC 1, curve named inside), as openssl ecparam -genkey writes it.
        java.security.interfaces.ECPrivateKey ec = (java.security.interfaces.ECPrivateKey) leaf.key();
        byte[] sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, ec.getS(), null,
                org.bouncycastle.asn1.sec.SECObjectIdentifiers.secp256r1).getEncoded();
        try (Writer w = Files.newBufferedWriter(key); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1));
        }
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(key)).startsWith("-----BEGIN EC PRIVATE KEY-----");
        try (StoqNode node = start(Map.of("api.tls.certificate", chain.toString(), "api.tls.private-key", key.toString()))) {
            assertThat(node.baseUri().toString()).isEqualTo("https://127.0.0.1:" + node.port());
            String admin = Files.readString(node.devAdmin().keyFile()).trim();
            for (HttpClient.Version v : new HttpClient.Version[] {HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2}) {
                HttpClient client = TestCertificates.client(v, ca.certificate());
                HttpResponse<String> me = client.send(HttpRequest.newBuilder(URI.create(node.baseUri() + "/v1/me"))
                        .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(me.statusCode()).isEqualTo(200);
                assertThat(me.version()).isEqualTo(v);
            }
            assertThat(h3Health(node.http3Port(), ca.certificate())).isEqualTo(200);
            HttpClient other = TestCertificates.client(HttpClient.Version.HTTP_1_1, TestCertificates.ca("other").certificate());
            assertThatThrownBy(() -> other.send(HttpRequest.newBuilder(URI.create(node.baseUri() + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
        }
    }

    @Test
    void http3PacketSizeFollowsTheListeningAddressUnlessSetAndABadOneIsRefused() throws Exception {
        assertThatThrownBy(() -> start(Map.of("api.quic.max-udp-payload", "1000")))
                .isInstanceOfSatisfying(NodeException.class, e -> {
                    assertThat(e.code()).isEqualTo(NodeErrorCode.BAD_CONFIG);
                    assertThat(e.getMessage()).contains("api.quic").contains("maxUdpPayload").contains("1350")
                            .doesNotContain("\n");
                });
        boolean epoll = io.netty.channel.epoll.Epoll.isAvailable();
        try (StoqNode node = start(Map.of())) {
            // api.host 127.0.0.1: every path is loopback, so discovery up to the loopback limit
            assertThat(node.server().http3Transport().endsWith("path MTU up to " + QuicTransport.LOOPBACK_UDP_PAYLOAD))
                    .isEqualTo(epoll);
            assertThat(h3Health(node.http3Port(), node.server().certificate())).isEqualTo(200);
        }
        try (StoqNode node = start(Map.of("api.quic.max-udp-payload", "1350"))) {
            assertThat(node.server().http3Transport()).doesNotContain("path MTU");
            assertThat(h3Health(node.http3Port(), node.server().certificate())).isEqualTo(200);
        }
    }

    @Test
    void plainHttpOffLoopbackIsRefusedBeforeAnythingIsOpened() throws Exception {
        Path fresh = dir.resolve("fresh");
        NodeConfig open = NodeConfig.load(null, Map.of(), Map.of("data.dir", fresh.toString(), "api.host", "0.0.0.0"));
        assertThatThrownBy(() -> StoqNode.start(open, Clock.systemUTC(), false))
                .isInstanceOfSatisfying(NodeException.class, e -> {
                    assertThat(e.code()).isEqualTo(NodeErrorCode.BAD_CONFIG);
                    assertThat(e.getMessage()).contains("0.0.0.0").contains("api.tls.certificate")
                            .contains("api.tls.private-key").contains("api.allow-insecure").doesNotContain("\n");
                });
        assertThat(fresh).doesNotExist();

        for (String loopback : new String[] {"127.0.0.1", "::1", "localhost"}) {
            StoqNode.requireTlsOffLoopback(NodeConfig.load(null, Map.of(), Map.of("api.host", loopback)));
        }
        StoqNode.requireTlsOffLoopback(NodeConfig.load(null, Map.of(),
                Map.of("api.host", "0.0.0.0", "api.allow-insecure", "true")));
        StoqNode.requireTlsOffLoopback(NodeConfig.load(null, Map.of(), Map.of("api.host", "0.0.0.0",
                "api.tls.certificate", "/etc/stoq/api.crt.pem", "api.tls.private-key", "/etc/stoq/api.key.pem")));
    }

    @Test
    void stoqNodeRunRefusesWithOneLineThatSaysWhatToDo() throws Exception {
        Path yaml = dir.resolve("node.yaml");
        Files.writeString(yaml, "data:\n  dir: " + dir.resolve("run") + "\napi:\n  host: 0.0.0.0\n");
        CommandLine cli = StoqCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("node", "run", "--config", yaml.toString());
        assertThat(exit).isEqualTo(NodeErrorCode.BAD_CONFIG.exitCode());
        assertThat(err.toString().strip()).startsWith("stoq: error: refusing to serve plain HTTP on api.host 0.0.0.0")
                .contains("api.tls.certificate").contains("api.allow-insecure").doesNotContain("\n").doesNotContain("Exception");
    }

    @Test
    void badTlsFilesAreRefusedNamingTheFile() throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("operator CA");
        TestCertificates.Issued leaf = TestCertificates.server(ca);
        TestCertificates.Issued stranger = TestCertificates.server(ca);
        Path chain = dir.resolve("chain.pem");
        Path key = dir.resolve("key.pem");
        Path otherKey = dir.resolve("other.pem");
        Path encrypted = dir.resolve("encrypted.pem");
        PemFiles.writeCertificates(chain, List.of(leaf.certificate()));
        PemFiles.writePrivateKey(key, leaf.key(), null);
        PemFiles.writePrivateKey(otherKey, stranger.key(), null);
        PemFiles.writePrivateKey(encrypted, leaf.key(), "secret".toCharArray());
        Instant now = Instant.now();

        assertThat(ApiTlsFiles.load(chain, key, now).chain()).hasSize(1);
        assertThatThrownBy(() -> ApiTlsFiles.load(chain, otherKey, now)).hasMessageContaining(otherKey.toString())
                .hasMessageContaining("does not belong");
        assertThatThrownBy(() -> ApiTlsFiles.load(chain, encrypted, now)).hasMessageContaining(encrypted.toString())
                .hasMessageContaining("encrypted");
        assertThatThrownBy(() -> ApiTlsFiles.load(dir.resolve("missing.pem"), key, now)).hasMessageContaining("missing.pem")
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> ApiTlsFiles.load(key, key, now)).hasMessageContaining("holds no CERTIFICATE");
        assertThatThrownBy(() -> ApiTlsFiles.load(chain, key, now.plus(java.time.Duration.ofDays(30))))
                .hasMessageContaining("is valid only from");

        assertThatThrownBy(() -> start(Map.of("api.tls.certificate", chain.toString())))
                .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.getMessage())
                        .contains("set both api.tls.certificate and api.tls.private-key"));
        assertThatThrownBy(() -> start(Map.of("api.tls.certificate", chain.toString(), "api.tls.private-key", otherKey.toString())))
                .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeErrorCode.BAD_CONFIG));
    }

    record Run(int exit, String out, String err) {}

    static Run stoq(String... args) {
        CommandLine cli = StoqCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    @Test
    void theAssetCliTrustsCacertOrTheDevCertificateBesideItsKeyFile() throws Exception {
        DevIdentity.ApiCertificate dev = DevIdentity.ensureApiCertificate(dir);
        try (StoqNode node = start(Map.of("api.tls.certificate", dev.certificate().toString(),
                "api.tls.private-key", dev.privateKey().toString()))) {
            String url = node.baseUri().toString();
            Path devKey = node.devAdmin().keyFile();
            Run implicit = stoq("asset", "ls", "--url", url, "--key-file", devKey.toString());
            assertThat(implicit.exit()).as(implicit.err()).isZero();

            Path elsewhere = Files.createDirectories(dir.resolve("elsewhere")).resolve("admin.key");
            Files.copy(devKey, elsewhere);
            Run untrusted = stoq("asset", "ls", "--url", url, "--key-file", elsewhere.toString());
            assertThat(untrusted.exit()).isEqualTo(io.stoq.fragmint.port.ApiError.UNAVAILABLE.exitCode());
            assertThat(untrusted.err()).contains("--cacert").doesNotContain("Exception");

            Run given = stoq("asset", "ls", "--url", url, "--key-file", elsewhere.toString(),
                    "--cacert", dev.certificate().toString());
            assertThat(given.exit()).as(given.err()).isZero();
            Run wrong = stoq("asset", "ls", "--url", url, "--key-file", devKey.toString(),
                    "--cacert", dir.resolve("ca").resolve("root.crt.pem").toString());
            assertThat(wrong.exit()).as("--cacert replaces the implicit trust").isNotZero();
        }
    }
}
