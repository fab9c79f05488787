package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.keys.PemFiles;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node gauges the operator's alerts read (docs/operations.md): disk, certificate expiry and
 * CRL staleness, served by a real node's {@code /metrics}, and series left out (never a made-up
 * number) when the CRL cannot be read.
 */
class NodeMetricsTextTest {

    @Test
    void aRealNodeServesDiskCertificateAndCrlGauges() throws Exception {
        try (TestNode n = new TestNode(Map.of("store.min-free", "1MiB"))) {
            HttpResponse<byte[]> r = n.send(n.request("/metrics", "admin").GET().build());
            assertThat(r.statusCode()).isEqualTo(200);
            String text = new String(r.body(), StandardCharsets.UTF_8);
            List<X509Certificate> chain = PemFiles.readCertificates(n.dir.resolve("node/node.crt.pem"));
            long crlNext = PemFiles.readCrl(n.dir.resolve("ca/crl.pem")).getNextUpdate().getTime() / 1000;

            assertThat(value(text, "stoq_store_min_free_bytes")).isEqualTo(1024 * 1024);
            double capacity = value(text, "stoq_store_capacity_bytes");
            double free = value(text, "stoq_store_free_bytes");
            assertThat(capacity).isPositive();
            assertThat(free).isPositive().isLessThanOrEqualTo(capacity);
            assertThat(value(text, "stoq_certificate_expiry_timestamp_seconds{certificate=\"node\"}"))
                    .isEqualTo(chain.get(0).getNotAfter().getTime() / 1000);
            assertThat(value(text, "stoq_certificate_expiry_timestamp_seconds{certificate=\"intermediate\"}"))
                    .isEqualTo(chain.get(1).getNotAfter().getTime() / 1000);
            assertThat(value(text, "stoq_crl_next_update_timestamp_seconds")).isEqualTo(crlNext);
            assertThat(text).contains("# TYPE stoq_store_free_bytes gauge");

            // A key without METRICS_READ gets none of it.
            assertThat(n.send(n.request("/metrics", "alice").GET().build()).statusCode()).isEqualTo(403);
        }
    }

    @Test
    void anUnreadableCrlLeavesItsSeriesOutAndTheRestStays(@TempDir Path dir) throws Exception {
        DevIdentity.ensure(dir);
        List<X509Certificate> chain = PemFiles.readCertificates(dir.resolve("node/node.crt.pem"));
        Path crl = dir.resolve("crl.pem");
        Files.writeString(crl, "-----BEGIN X509 CRL-----\nbm90IGEgQ1JM\n-----END X509 CRL-----\n");
        String garbled = new NodeMetricsText(dir, 0, chain, crl).render();
        assertThat(garbled).doesNotContain("stoq_crl_next_update_timestamp_seconds")
                .contains("stoq_store_free_bytes ").contains("stoq_certificate_expiry_timestamp_seconds{certificate=\"node\"}");

        String missing = new NodeMetricsText(dir, 0, chain.subList(0, 1), dir.resolve("absent.pem")).render();
        assertThat(missing).doesNotContain("stoq_crl_next_update_timestamp_seconds")
                .doesNotContain("certificate=\"intermediate\"");

        String none = new NodeMetricsText(dir.resolve("no-such-dir"), 0, chain, null).render();
        assertThat(none).as("an unreadable file system gives no disk numbers, not zeros")
                .doesNotContain("stoq_store_free_bytes ").doesNotContain("stoq_store_capacity_bytes ")
                .contains("stoq_store_min_free_bytes 0");
    }

    /** The sample value of {@code series} (name plus labels, exactly as written) in a scrape. */
    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertThat(m.find()).as(series + " in\n" + text).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
