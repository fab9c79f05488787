package io.stoq.fragmint.s3;

import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.S3KeyStore;
import io.stoq.fragmint.testnode.InMemoryNames;
import io.stoq.fragmint.testnode.InMemoryNode;
import io.stoq.fragmint.testnode.InMemoryS3Keys;
import io.stoq.fragmint.testnode.MutableClock;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * An S3 gateway on loopback port 0 over the in-memory node, with accounts admin, alice and bob
 * (writers), audrey (auditor), each holding an S3 key, and AWS SDK v2 clients for them.
 */
final class S3TestGateway implements S3Contract.Gateway {
    final MutableClock clock = new MutableClock(Instant.now());
    final Path dir;
    final InMemoryNode node;
    final InMemoryNames names;
    final InMemoryS3Keys keys;
    final S3Gateway gateway;
    final S3Server server;
    final Map<String, S3KeyStore.S3Key> credentials = new HashMap<>();

    S3TestGateway() throws Exception {
        this(S3Config.loopback());
    }

    S3TestGateway(S3Config config) throws Exception {
        dir = Files.createTempDirectory("s3-test");
        node = new InMemoryNode(dir.resolve("assets"), clock);
        names = new InMemoryNames(clock);
        keys = node.s3Keys;
        for (Object[] a : new Object[][] {{"admin", Role.ADMIN}, {"alice", Role.WRITER}, {"bob", Role.WRITER}, {"audrey", Role.AUDITOR}}) {
            node.accounts.create((String) a[0], (Role) a[1], (String) a[0]);
            credentials.put((String) a[0], keys.create((String) a[0]));
        }
        gateway = new S3Gateway(config, node.ports(), names, keys, new MemoryUploads(), clock);
        server = new S3Server(config, gateway);
        server.start();
    }

    @Override
    public URI endpoint() {
        return server.endpoint();
    }

    @Override
    public S3KeyStore.S3Key key(String account) {
        return credentials.get(account);
    }

    @Override
    public void passTime(java.time.Duration d) {
        clock.advance(d);
    }

    @Override
    public long assetCount(String owner) throws Exception {
        io.stoq.fragmint.port.Caller caller = new io.stoq.fragmint.port.Caller(owner, Role.WRITER, null, false);
        return node.ports().assets().list(caller, owner, new io.stoq.fragmint.port.PageRequest(null, 500)).items().size();
    }

    StaticCredentialsProvider creds(String account) {
        S3KeyStore.S3Key k = credentials.get(account);
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(k.accessKeyId(), k.secret()));
    }

    S3Client client(String account) {
        return client(creds(account));
    }

    S3Client client(StaticCredentialsProvider creds) {
        return S3Client.builder().endpointOverride(endpoint()).region(Region.US_EAST_1).credentialsProvider(creds)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    S3Presigner presigner(String account) {
        return S3Presigner.builder().endpointOverride(endpoint()).region(Region.US_EAST_1).credentialsProvider(creds(account))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
    }

    @Override
    public void close() throws Exception {
        server.close();
        gateway.close();
        // the staged objects (a 100 MiB multipart upload among them) would otherwise stay in /tmp after every run
        io.stoq.fragmint.TestServer.deleteTree(dir);
    }
}
