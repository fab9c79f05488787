package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.fragmint.port.S3KeyStore;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The S3 gateway on a real node (shard pipeline, RocksDB ledger, sealed S3 keys), driven by the
 * AWS SDK v2: objects written through S3 are assets readable through FragMint REST and the other
 * way round, names and keys survive a restart (ledger state, node database), other owners get
 * AccessDenied; an open multipart upload continues after a restart. Every S3 operation on a real node (a 100 MiB multipart upload among them) is in
 * {@link S3ContractOnNodeTest}.
 */
@Timeout(600)
class S3OnNodeTest {

    static S3Client client(StoqNode node, S3KeyStore.S3Key k) {
        return S3Client.builder().endpointOverride(node.s3Server().endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(k.accessKeyId(), k.secret())))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    @Test
    void objectsAreAssetsAndNamesSurviveARestart() throws Exception {
        try (TestNode t = new TestNode(Map.of("s3.enabled", "true", "s3.port", "0"))) {
            S3KeyStore.S3Key aliceKey = t.node.accounts().s3Keys().create("alice");
            S3KeyStore.S3Key bobKey = t.node.accounts().s3Keys().create("bob");
            String assetId;
            try (S3Client alice = client(t.node, aliceKey); S3Client bob = client(t.node, bobKey)) {
                alice.createBucket(b -> b.bucket("reports"));
                alice.putObject(b -> b.bucket("reports").key("2026/q4 r\u00e9sum\u00e9.txt").contentType("text/plain")
                        .metadata(Map.of("team", "ops")), RequestBody.fromString("quarterly numbers"));
                alice.putObject(b -> b.bucket("reports").key("2026/q3.txt"), RequestBody.fromString("older numbers"));
                assertThat(alice.listObjectsV2(b -> b.bucket("reports").prefix("2026/")).contents()).extracting(S3Object::key)
                        .containsExactly("2026/q3.txt", "2026/q4 r\u00e9sum\u00e9.txt");
                assertThatThrownBy(() -> bob.getObject(b -> b.bucket("reports").key("2026/q3.txt")))
                        .satisfies(e -> assertThat(((software.amazon.awssdk.services.s3.model.S3Exception) e).awsErrorDetails()
                                .errorCode()).isEqualTo("AccessDenied"));

                // S3 -> REST: the object is alice's asset, with its content type
                HttpResponse<String> list = t.client.send(HttpRequest.newBuilder(URI.create(t.node.baseUri() + "/v1/assets?owner=alice"))
                        .header("Authorization", "Bearer " + t.keys.get("alice")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(list.statusCode()).isEqualTo(200);
                var items = TestNode.JSON.readTree(list.body()).get("items");
                assetId = null;
                for (var item : items) {
                    if ("q3.txt".equals(item.path("name").asText())) {
                        assetId = item.get("id").asText();
                    }
                }
                assertThat(assetId).isNotNull();
                HttpResponse<String> content = t.client.send(HttpRequest.newBuilder(URI.create(t.node.baseUri() + "/v1/assets/" + assetId
                        + "/content")).header("Authorization", "Bearer " + t.keys.get("alice")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(content.body()).isEqualTo("older numbers");

                // REST -> S3: a new version uploaded through REST is what S3 serves for the key
                HttpResponse<String> put = t.client.send(HttpRequest.newBuilder(URI.create(t.node.baseUri() + "/v1/assets/" + assetId
                        + "/content")).header("Authorization", "Bearer " + t.keys.get("alice")).header("Content-Type", "text/plain")
                        .PUT(HttpRequest.BodyPublishers.ofString("numbers fixed through REST")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(put.statusCode()).isBetween(200, 201);
                assertThat(alice.getObjectAsBytes(b -> b.bucket("reports").key("2026/q3.txt")).asUtf8String())
                        .isEqualTo("numbers fixed through REST");
                assertThat(alice.getObjectAsBytes(b -> b.bucket("reports").key("2026/q3.txt").versionId("1")).asUtf8String())
                        .isEqualTo("older numbers");
            }
            t.restart();
            try (S3Client alice = client(t.node, aliceKey)) {
                assertThat(alice.listObjectsV2(b -> b.bucket("reports")).contents()).hasSize(2);
                var got = alice.getObjectAsBytes(b -> b.bucket("reports").key("2026/q4 r\u00e9sum\u00e9.txt"));
                assertThat(got.asUtf8String()).isEqualTo("quarterly numbers");
                assertThat(got.response().metadata()).containsEntry("team", "ops");
                assertThat(alice.listBuckets().buckets()).extracting(b -> b.name()).containsExactly("reports");
            }
        }
    }

    @Test
    void anOpenMultipartUploadSurvivesARestart() throws Exception {
        try (TestNode t = new TestNode(Map.of("s3.enabled", "true", "s3.port", "0"))) {
            S3KeyStore.S3Key k = t.node.accounts().s3Keys().create("alice");
            byte[] first = new byte[5 << 20];
            new java.util.Random(14).nextBytes(first);
            String uploadId;
            String firstEtag;
            try (S3Client alice = client(t.node, k)) {
                alice.createBucket(b -> b.bucket("resume"));
                uploadId = alice.createMultipartUpload(b -> b.bucket("resume").key("half.bin").contentType("application/x-half")
                        .metadata(Map.of("origin", "before-restart"))).uploadId();
                firstEtag = alice.uploadPart(b -> b.bucket("resume").key("half.bin").uploadId(uploadId).partNumber(1),
                        RequestBody.fromBytes(first)).eTag();
            }
            t.restart();
            try (S3Client alice = client(t.node, k)) {
                assertThat(alice.listMultipartUploads(b -> b.bucket("resume")).uploads()).extracting(u -> u.uploadId())
                        .containsExactly(uploadId);
                var parts = alice.listParts(b -> b.bucket("resume").key("half.bin").uploadId(uploadId)).parts();
                assertThat(parts).extracting(p -> p.partNumber(), p -> p.eTag(), p -> p.size())
                        .containsExactly(org.assertj.core.groups.Tuple.tuple(1, firstEtag, (long) first.length));
                String secondEtag = alice.uploadPart(b -> b.bucket("resume").key("half.bin").uploadId(uploadId).partNumber(2),
                        RequestBody.fromString("the rest, after the restart")).eTag();
                alice.completeMultipartUpload(b -> b.bucket("resume").key("half.bin").uploadId(uploadId).multipartUpload(m -> m.parts(
                        software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(1).eTag(firstEtag).build(),
                        software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(2).eTag(secondEtag).build())));
                var got = alice.getObjectAsBytes(b -> b.bucket("resume").key("half.bin"));
                byte[] expected = java.util.Arrays.copyOf(first, first.length + 27);
                System.arraycopy("the rest, after the restart".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, expected,
                        first.length, 27);
                assertThat(got.asByteArray()).isEqualTo(expected);
                assertThat(got.response().contentType()).isEqualTo("application/x-half");
                assertThat(got.response().metadata()).containsEntry("origin", "before-restart");
                assertThat(alice.listMultipartUploads(b -> b.bucket("resume")).uploads()).isEmpty();
            }
            // The answer was lost and the node restarted: the retried Complete gets the completed object, not NoSuchUpload.
            t.restart();
            try (S3Client alice = client(t.node, k)) {
                String etag = alice.headObject(b -> b.bucket("resume").key("half.bin")).eTag();
                String secondEtag = "\"" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                        .digest("the rest, after the restart".getBytes(java.nio.charset.StandardCharsets.UTF_8))) + "\"";
                assertThat(alice.completeMultipartUpload(b -> b.bucket("resume").key("half.bin").uploadId(uploadId)
                        .multipartUpload(m -> m.parts(
                        software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(1).eTag(firstEtag).build(),
                        software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(2).eTag(secondEtag).build())))
                        .eTag()).isEqualTo(etag);
                // a Complete naming other parts is still NoSuchUpload
                assertThatThrownBy(() -> alice.completeMultipartUpload(b -> b.bucket("resume").key("half.bin").uploadId(uploadId)
                        .multipartUpload(m -> m.parts(software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(1)
                                .eTag(firstEtag).build()))))
                        .satisfies(e -> assertThat(((software.amazon.awssdk.services.s3.model.S3Exception) e).awsErrorDetails()
                                .errorCode()).isEqualTo("NoSuchUpload"));
            }
        }
    }

    @Test
    void aSignedPayloadThatIsNotTheBodyCommitsNothingAndLeavesNothingStored() throws Exception {
        try (TestNode t = new TestNode(Map.of("s3.enabled", "true", "s3.port", "0"))) {
            S3KeyStore.S3Key k = t.node.accounts().s3Keys().create("alice");
            try (S3Client alice = client(t.node, k)) {
                alice.createBucket(b -> b.bucket("signed"));
            }
            int port = t.node.s3Server().endpoint().getPort();
            // a 1 KiB body (the group-committed small store) and a 4 MiB one (shard files)
            for (int size : new int[] {1024, 4 << 20}) {
                byte[] body = new byte[size];
                new java.util.Random(size).nextBytes(body);
                byte[] signed = body.clone();
                signed[size / 2] ^= 1;
                var before = t.storedHashes();
                long height = t.node.ledger().ledger().height();
                String res = io.stoq.fragmint.s3.RawSigV4.put(port, k.accessKeyId(), k.secret(), java.time.Instant.now(),
                        "/signed/o" + size, "", io.stoq.fragmint.s3.RawSigV4.sha256Hex(signed), body);
                assertThat(res).startsWith("HTTP/1.1 400").contains("<Code>XAmzContentSHA256Mismatch</Code>")
                        .contains("nothing was stored").doesNotContain("Exception");
                assertThat(t.node.ledger().ledger().height()).as("nothing reached the ledger").isEqualTo(height);
                assertThat(t.storedHashes()).as("the upload's shards were removed").isEqualTo(before);
                // the body it signed is accepted, and the object's digest is the one the client declared
                String ok = io.stoq.fragmint.s3.RawSigV4.put(port, k.accessKeyId(), k.secret(), java.time.Instant.now(),
                        "/signed/o" + size, "", io.stoq.fragmint.s3.RawSigV4.sha256Hex(body), body);
                assertThat(ok).startsWith("HTTP/1.1 200");
            }
        }
    }
}
