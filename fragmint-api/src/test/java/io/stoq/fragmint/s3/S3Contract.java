package io.stoq.fragmint.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.fragmint.HttpWire;
import io.stoq.fragmint.port.S3KeyStore;
import java.io.InputStream;
import java.net.URI;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

/**
 * The S3 gateway against the AWS SDK for Java v2 (the client the world uses), run against any
 * {@link Gateway}: every operation, the error codes the SDK maps, presigned URLs and a 100 MiB
 * multipart upload. One abstract class so the in-memory double ({@code S3GatewayTest}) and a real
 * node (stoq-node's {@code S3ContractOnNodeTest}: shard pipeline, ledger names, sealed keys) are
 * held to the very same assertions; stoq-node gets it through this module's test-jar.
 */
@Timeout(300)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class S3Contract {
    /**
     * A running gateway with writers alice and bob, auditor audrey and an admin, each holding an
     * S3 key.
     */
    public interface Gateway extends AutoCloseable {
        URI endpoint();

        /** The S3 key of {@code account} (admin, alice, bob, audrey). */
        S3KeyStore.S3Key key(String account);

        /** Moves the gateway's clock forward by {@code d} (for presigned URLs' expiry); it stays moved. */
        void passTime(Duration d);

        /** Live assets {@code owner} holds, as FragMint lists them. */
        long assetCount(String owner) throws Exception;
    }

    protected Gateway gw;
    protected S3Client alice;
    protected S3Client bob;

    /** Starts the gateway under test. */
    protected abstract Gateway startGateway() throws Exception;

    @BeforeAll
    public void start() throws Exception {
        gw = startGateway();
        alice = client("alice");
        bob = client("bob");
    }

    @AfterAll
    public void stop() throws Exception {
        if (alice != null) {
            alice.close();
            bob.close();
        }
        if (gw != null) {
            gw.close();
        }
    }

    protected StaticCredentialsProvider creds(String account) {
        S3KeyStore.S3Key k = gw.key(account);
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(k.accessKeyId(), k.secret()));
    }

    protected S3Client client(String account) {
        return client(creds(account));
    }

    protected S3Client client(StaticCredentialsProvider creds) {
        return S3Client.builder().endpointOverride(gw.endpoint()).region(Region.US_EAST_1).credentialsProvider(creds)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    protected S3Presigner presigner(String account) {
        return S3Presigner.builder().endpointOverride(gw.endpoint()).region(Region.US_EAST_1).credentialsProvider(creds(account))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    static String code(Throwable t) {
        return ((S3Exception) t).awsErrorDetails().errorCode();
    }

    @Test
    void bucketsObjectsAndListings() throws Exception {
        alice.createBucket(b -> b.bucket("photos"));
        assertThatThrownBy(() -> alice.createBucket(b -> b.bucket("photos"))).isInstanceOf(BucketAlreadyOwnedByYouException.class);
        assertThatThrownBy(() -> bob.createBucket(b -> b.bucket("photos"))).satisfies(t -> assertThat(code(t)).isEqualTo("BucketAlreadyExists"));
        alice.headBucket(b -> b.bucket("photos"));
        assertThat(alice.listBuckets().buckets()).extracting(b -> b.name()).contains("photos");
        assertThat(bob.listBuckets().buckets()).extracting(b -> b.name()).doesNotContain("photos");
        assertThat(alice.getBucketLocation(b -> b.bucket("photos")).locationConstraintAsString()).isEmpty();

        byte[] hello = "hello, s3 \u2615".getBytes(StandardCharsets.UTF_8);
        PutObjectResponse put = alice.putObject(b -> b.bucket("photos").key("greetings/h\u00e9llo world+.txt").contentType("text/plain")
                .metadata(Map.of("colour", "blue")), RequestBody.fromBytes(hello));
        assertThat(put.eTag()).isEqualTo("\"" + md5(hello) + "\"");
        ResponseBytes<GetObjectResponse> got = alice.getObjectAsBytes(b -> b.bucket("photos").key("greetings/h\u00e9llo world+.txt"));
        assertThat(got.asByteArray()).isEqualTo(hello);
        assertThat(got.response().contentType()).isEqualTo("text/plain");
        assertThat(got.response().metadata()).containsEntry("colour", "blue");
        assertThat(got.response().eTag()).isEqualTo(put.eTag());
        HeadObjectResponse head = alice.headObject(b -> b.bucket("photos").key("greetings/h\u00e9llo world+.txt"));
        assertThat(head.contentLength()).isEqualTo(hello.length);
        assertThat(head.eTag()).isEqualTo(put.eTag());

        for (String k : List.of("a/1", "a/2", "a/b/3", "b", "c/4", "c/5")) {
            alice.putObject(b -> b.bucket("photos").key(k), RequestBody.fromString(k));
        }
        ListObjectsV2Response top = alice.listObjectsV2(b -> b.bucket("photos").delimiter("/"));
        assertThat(top.contents()).extracting(S3Object::key).containsExactly("b");
        assertThat(top.commonPrefixes()).extracting(CommonPrefix::prefix).containsExactly("a/", "c/", "greetings/");
        ListObjectsV2Response underA = alice.listObjectsV2(b -> b.bucket("photos").prefix("a/").delimiter("/"));
        assertThat(underA.contents()).extracting(S3Object::key).containsExactly("a/1", "a/2");
        assertThat(underA.commonPrefixes()).extracting(CommonPrefix::prefix).containsExactly("a/b/");
        List<String> paged = new ArrayList<>();
        alice.listObjectsV2Paginator(b -> b.bucket("photos").maxKeys(2)).contents().forEach(o -> paged.add(o.key()));
        assertThat(paged).containsExactly("a/1", "a/2", "a/b/3", "b", "c/4", "c/5", "greetings/h\u00e9llo world+.txt");
        assertThat(alice.listObjectsV2(b -> b.bucket("photos").maxKeys(3)).isTruncated()).isTrue();
        List<String> v1 = new ArrayList<>();
        String marker = "";
        while (true) {
            String m = marker;
            var page = alice.listObjects(b -> b.bucket("photos").maxKeys(2).marker(m));
            page.contents().forEach(o -> v1.add(o.key()));
            if (!page.isTruncated()) {
                break;
            }
            marker = page.contents().get(page.contents().size() - 1).key();
        }
        assertThat(v1).isEqualTo(paged);
        S3Object listed = alice.listObjectsV2(b -> b.bucket("photos").prefix("b")).contents().get(0);
        assertThat(listed.size()).isEqualTo(1);
        assertThat(listed.eTag()).isEqualTo("\"" + md5("b".getBytes()) + "\"");

        assertThatThrownBy(() -> alice.deleteBucket(b -> b.bucket("photos"))).satisfies(t -> assertThat(code(t)).isEqualTo("BucketNotEmpty"));
        DeleteObjectsResponse del = alice.deleteObjects(b -> b.bucket("photos").delete(Delete.builder().objects(
                paged.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList()).build()));
        assertThat(del.deleted()).hasSize(7);
        assertThat(del.errors()).isEmpty();
        assertThat(alice.listObjectsV2(b -> b.bucket("photos")).contents()).isEmpty();
        alice.deleteBucket(b -> b.bucket("photos"));
        assertThatThrownBy(() -> alice.headBucket(b -> b.bucket("photos"))).isInstanceOf(NoSuchBucketException.class);
    }

    @Test
    void rangesConditionalsVersionsAndCopy() throws Exception {
        alice.createBucket(b -> b.bucket("docs"));
        alice.putObject(b -> b.bucket("docs").key("f"), RequestBody.fromString("0123456789"));
        PutObjectResponse v2 = alice.putObject(b -> b.bucket("docs").key("f"), RequestBody.fromString("abcdefghij"));
        assertThat(v2.versionId()).isEqualTo("2");
        assertThat(alice.getObjectAsBytes(b -> b.bucket("docs").key("f").range("bytes=2-5")).asUtf8String()).isEqualTo("cdef");
        assertThat(alice.getObjectAsBytes(b -> b.bucket("docs").key("f").versionId("1")).asUtf8String()).isEqualTo("0123456789");
        assertThatThrownBy(() -> alice.getObject(b -> b.bucket("docs").key("f").range("bytes=50-60")))
                .satisfies(t -> assertThat(code(t)).isEqualTo("InvalidRange"));
        assertThatThrownBy(() -> alice.getObject(b -> b.bucket("docs").key("f").ifNoneMatch(v2.eTag())))
                .satisfies(t -> assertThat(((S3Exception) t).statusCode()).isEqualTo(304));
        assertThatThrownBy(() -> alice.getObject(b -> b.bucket("docs").key("f").ifMatch("\"nope\"")))
                .satisfies(t -> assertThat(code(t)).isEqualTo("PreconditionFailed"));
        assertThatThrownBy(() -> alice.putObject(b -> b.bucket("docs").key("f").ifNoneMatch("*"), RequestBody.fromString("x")))
                .satisfies(t -> assertThat(code(t)).isEqualTo("PreconditionFailed"));

        alice.copyObject(b -> b.sourceBucket("docs").sourceKey("f").destinationBucket("docs").destinationKey("g"));
        assertThat(alice.getObjectAsBytes(b -> b.bucket("docs").key("g")).asUtf8String()).isEqualTo("abcdefghij");
        alice.copyObject(b -> b.sourceBucket("docs").sourceKey("f").sourceVersionId("1").destinationBucket("docs").destinationKey("h"));
        assertThat(alice.getObjectAsBytes(b -> b.bucket("docs").key("h")).asUtf8String()).isEqualTo("0123456789");
        assertThatThrownBy(() -> alice.copyObject(b -> b.sourceBucket("docs").sourceKey("f").destinationBucket("docs").destinationKey("i")
                .copySourceIfMatch("\"nope\""))).satisfies(t -> assertThat(code(t)).isEqualTo("PreconditionFailed"));

        alice.deleteObject(b -> b.bucket("docs").key("f").versionId("1"));
        assertThatThrownBy(() -> alice.getObject(b -> b.bucket("docs").key("f").versionId("1")))
                .satisfies(t -> assertThat(code(t)).isEqualTo("NoSuchVersion"));
        assertThat(alice.getObjectAsBytes(b -> b.bucket("docs").key("f")).asUtf8String()).isEqualTo("abcdefghij");
        alice.deleteObject(b -> b.bucket("docs").key("f"));
        assertThatThrownBy(() -> alice.getObject(b -> b.bucket("docs").key("f"))).isInstanceOf(NoSuchKeyException.class);
    }

    @Test
    void errorsCarryTheCodesTheSdkExpects() throws Exception {
        alice.createBucket(b -> b.bucket("private"));
        alice.putObject(b -> b.bucket("private").key("k"), RequestBody.fromString("secret"));
        assertThatThrownBy(() -> alice.getObject(b -> b.bucket("private").key("missing"))).isInstanceOf(NoSuchKeyException.class);
        assertThatThrownBy(() -> alice.getObject(b -> b.bucket("no-such-bucket").key("k"))).isInstanceOf(NoSuchBucketException.class);
        assertThatThrownBy(() -> bob.getObject(b -> b.bucket("private").key("k"))).satisfies(t -> assertThat(code(t)).isEqualTo("AccessDenied"));
        assertThatThrownBy(() -> bob.putObject(b -> b.bucket("private").key("x"), RequestBody.fromString("x")))
                .satisfies(t -> assertThat(code(t)).isEqualTo("AccessDenied"));
        assertThatThrownBy(() -> bob.listObjectsV2(b -> b.bucket("private"))).satisfies(t -> assertThat(code(t)).isEqualTo("AccessDenied"));
        String id = gw.key("alice").accessKeyId();
        try (S3Client wrong = client(StaticCredentialsProvider.create(AwsBasicCredentials.create(id, "not-the-secret")))) {
            assertThatThrownBy(() -> wrong.getObject(b -> b.bucket("private").key("k")))
                    .satisfies(t -> assertThat(code(t)).isEqualTo("SignatureDoesNotMatch"));
        }
        try (S3Client unknown = client(StaticCredentialsProvider.create(AwsBasicCredentials.create("STOQNOSUCHKEY0000000", "x")))) {
            assertThatThrownBy(() -> unknown.listBuckets()).satisfies(t -> assertThat(code(t)).isEqualTo("InvalidAccessKeyId"));
        }
        try (S3Client auditor = client("audrey")) {
            assertThatThrownBy(() -> auditor.createBucket(b -> b.bucket("audrey-bucket")))
                    .satisfies(t -> assertThat(code(t)).isEqualTo("AccessDenied"));
        }
        try (S3Client admin = client("admin")) {
            assertThat(admin.getObjectAsBytes(b -> b.bucket("private").key("k")).asUtf8String()).isEqualTo("secret");
        }
    }

    @Test
    void presignedGetAndPutAndExpiry() throws Exception {
        alice.createBucket(b -> b.bucket("shared"));
        try (var presigner = presigner("alice")) {
            PresignedPutObjectRequest put = presigner.presignPutObject(p -> p.signatureDuration(Duration.ofMinutes(5))
                    .putObjectRequest(b -> b.bucket("shared").key("up load.bin")));
            byte[] body = "uploaded through a presigned URL".getBytes(StandardCharsets.UTF_8);
            HttpURLConnection c = (HttpURLConnection) put.url().openConnection();
            c.setRequestMethod("PUT");
            c.setDoOutput(true);
            put.signedHeaders().forEach((k, v) -> v.forEach(x -> c.addRequestProperty(k, x)));
            c.getOutputStream().write(body);
            assertThat(c.getResponseCode()).isEqualTo(200);
            assertThat(alice.getObjectAsBytes(b -> b.bucket("shared").key("up load.bin")).asByteArray()).isEqualTo(body);

            PresignedGetObjectRequest get = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofMinutes(5))
                    .getObjectRequest(b -> b.bucket("shared").key("up load.bin")));
            HttpURLConnection g = (HttpURLConnection) get.url().openConnection();
            assertThat(g.getResponseCode()).isEqualTo(200);
            try (InputStream in = g.getInputStream()) {
                assertThat(in.readAllBytes()).isEqualTo(body);
            }
            HttpURLConnection tampered = (HttpURLConnection) new java.net.URL(get.url().toString().replace("up%20load", "other"))
                    .openConnection();
            assertThat(tampered.getResponseCode()).isEqualTo(403);
            assertThat(new String(tampered.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).contains("<Code>SignatureDoesNotMatch</Code>");

            gw.passTime(Duration.ofMinutes(6));
            HttpURLConnection late = (HttpURLConnection) get.url().openConnection();
            assertThat(late.getResponseCode()).isEqualTo(403);
            String err = new String(late.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(err).contains("<Code>AccessDenied</Code>").contains("Request has expired");
        }
    }

    /**
     * Two requests written back to back on one connection (HTTP/1.1 pipelining): the second may
     * only be answered once the first response is wholly out. Before, each went to its own
     * worker at once, and the second's response was encoded into the middle of the first's body.
     * The same race, with a keep-alive client that sent its next request as soon as it had the
     * last body byte, made a presigned GET read garbage ({@code presignedGetAndPutAndExpiry}, CI).
     */
    @Test
    void pipelinedRequestsGetWholeResponsesInOrder() throws Exception {
        alice.createBucket(b -> b.bucket("pipelined"));
        byte[] big = new byte[3 << 20];
        new Random(21).nextBytes(big);
        alice.putObject(b -> b.bucket("pipelined").key("big.bin"), RequestBody.fromBytes(big));
        try (var presigner = presigner("alice")) {
            // An hour, not minutes: another test moves the gateway's clock forward by six.
            java.net.URL get = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofHours(1))
                    .getObjectRequest(b -> b.bucket("pipelined").key("big.bin"))).url();
            String tampered = get.getFile().replace("big.bin", "other.bin");
            String host = get.getAuthority();
            try (HttpWire wire = new HttpWire(get.getPort(), Duration.ofSeconds(60))) {
                wire.send("GET " + get.getFile() + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
                        + "GET " + tampered + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
                        + "GET " + get.getFile() + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
                HttpWire.Response first = wire.read();
                assertThat(first.status()).isEqualTo(200);
                assertThat(first.body()).isEqualTo(big);
                HttpWire.Response second = wire.read();
                assertThat(second.status()).isEqualTo(403);
                assertThat(second.text()).contains("<Code>SignatureDoesNotMatch</Code>");
                HttpWire.Response third = wire.read();
                assertThat(third.status()).isEqualTo(200);
                assertThat(third.body()).isEqualTo(big);
                assertThat(wire.closedByServer(10_000)).as("the connection closes after the response to Connection: close").isTrue();
            }
        }
    }

    @Test
    void multipartUploadOf100MiB() throws Exception {
        alice.createBucket(b -> b.bucket("big"));
        Random random = new Random(14);
        int partSize = 25 << 20;
        MessageDigest whole = MessageDigest.getInstance("MD5");
        MessageDigest md5s = MessageDigest.getInstance("MD5");
        CreateMultipartUploadResponse up = alice.createMultipartUpload(b -> b.bucket("big").key("blob.bin").contentType("application/x-test"));
        assertThat(alice.listMultipartUploads(b -> b.bucket("big")).uploads()).extracting(u -> u.uploadId()).contains(up.uploadId());
        List<CompletedPart> parts = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            byte[] part = new byte[partSize];
            random.nextBytes(part);
            whole.update(part);
            md5s.update(MessageDigest.getInstance("MD5").digest(part));
            int n = i;
            String etag = alice.uploadPart(b -> b.bucket("big").key("blob.bin").uploadId(up.uploadId()).partNumber(n),
                    RequestBody.fromBytes(part)).eTag();
            parts.add(CompletedPart.builder().partNumber(i).eTag(etag).build());
        }
        assertThat(alice.listParts(b -> b.bucket("big").key("blob.bin").uploadId(up.uploadId())).parts()).hasSize(4);
        String etag = alice.completeMultipartUpload(b -> b.bucket("big").key("blob.bin").uploadId(up.uploadId())
                .multipartUpload(m -> m.parts(parts))).eTag();
        assertThat(etag).isEqualTo("\"" + HexFormat.of().formatHex(md5s.digest()) + "-4\"");
        MessageDigest back = MessageDigest.getInstance("MD5");
        long size = 0;
        try (InputStream in = alice.getObject(b -> b.bucket("big").key("blob.bin"))) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                back.update(buf, 0, n);
                size += n;
            }
        }
        assertThat(size).isEqualTo(100L << 20);
        assertThat(back.digest()).isEqualTo(whole.digest());
        assertThat(alice.listMultipartUploads(b -> b.bucket("big")).uploads()).isEmpty();

        CreateMultipartUploadResponse aborted = alice.createMultipartUpload(b -> b.bucket("big").key("gone"));
        alice.uploadPart(b -> b.bucket("big").key("gone").uploadId(aborted.uploadId()).partNumber(1), RequestBody.fromString("x"));
        long assetsBefore = gw.assetCount("alice");
        alice.abortMultipartUpload(b -> b.bucket("big").key("gone").uploadId(aborted.uploadId()));
        assertThatThrownBy(() -> alice.listParts(b -> b.bucket("big").key("gone").uploadId(aborted.uploadId())))
                .satisfies(t -> assertThat(code(t)).isEqualTo("NoSuchUpload"));
        assertThat(gw.assetCount("alice")).isLessThan(assetsBefore); // the part asset is gone
    }
}
