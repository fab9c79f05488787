package io.stoq.fragmint;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Metric tags come from closed sets: thousands of requests with invented methods and paths add no
 * series to {@code /metrics} (issue 10 found 3,000 such requests made 9,000 series).
 */
class MetricTagsTest {
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = new TestServer(io.stoq.fragmint.http.ApiServerConfig.defaults().withPorts(0, -1).withRates(100_000, 100_000, 100_000));
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    /** The series (name and labels) in a scrape. */
    static Set<String> series() throws Exception {
        HttpResponse<byte[]> r = t.send(t.request("/metrics", "admin").build());
        assertThat(r.statusCode()).isEqualTo(200);
        Set<String> out = new TreeSet<>();
        for (String line : new String(r.body()).split("\n")) {
            // The scrape's own series are left out: a scrape's timer is recorded after its response
            // is written, so whether the previous scrape shows up yet is a race, not a leak.
            if (!line.isBlank() && !line.startsWith("#") && !line.contains("operation=\"metrics\"")) {
                out.add(line.substring(0, line.lastIndexOf(' ')));
            }
        }
        return out;
    }

    static int send(String method, String path) throws Exception {
        HttpRequest r = t.request(path, null).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return t.send(HttpClient.Version.HTTP_1_1, r).statusCode();
    }

    @Test
    void inventedMethodsAndPathsAddNoSeries() throws Exception {
        // One of each kind first, so the closed-set series exist, then the flood.
        assertThat(send("X0000000", "/nope")).isEqualTo(404);
        assertThat(send("X0000000", "/v1/assets")).isEqualTo(405);
        assertThat(send("GET", "/nope/0")).isEqualTo(404);
        assertThat(send("BREW", "/healthz")).isEqualTo(405);
        series();
        Set<String> before = series();

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> sent = new ArrayList<>();
            for (int i = 1; i <= 3000; i++) {
                int n = i;
                String method = String.format("X%07d", n);
                sent.add(pool.submit(() -> switch (n % 3) {
                    case 0 -> send(method, "/nope/" + n);
                    case 1 -> send(method, "/v1/assets");
                    default -> send("GET", "/made/up/" + n + "?q=" + n);
                }));
            }
            for (Future<Integer> f : sent) {
                assertThat(f.get()).isIn(404, 405);
            }
        } finally {
            pool.shutdownNow();
        }
        Set<String> after = series();
        assertThat(after).isEqualTo(before);
        assertThat(after).noneMatch(s -> s.contains("X00") || s.contains("/nope") || s.contains("made"));
        assertThat(after).anyMatch(s -> s.startsWith("fragmint_requests_seconds_count{")
                && s.contains("method=\"OTHER\"") && s.contains("operation=\"unmatched\"") && s.contains("status=\"4xx\""));
    }
}
