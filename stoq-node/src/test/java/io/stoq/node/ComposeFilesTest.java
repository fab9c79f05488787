package io.stoq.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.stoq.fragmint.http.ApiMetrics;
import io.stoq.node.config.ConfigKey;
import io.stoq.node.config.NodeConfig;
import io.stoq.node.config.NodeConfigKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CI has no Docker engine and no Prometheus, so the compose network (docker/compose.yaml), its
 * Prometheus config and alert rules and the Grafana files are never run there: this reads them
 * as data and checks what would otherwise only show when an operator starts them. Every node has
 * a healthcheck on /readyz, a zone that ca-init certifies, its own data volume that ca-init
 * fills, and starts only after ca-init completed; the node settings are real config keys with
 * valid values (loaded through {@link NodeConfig}); every node is a Prometheus target; the alert
 * rules are the ones docs/operations.md names; and every metric the alerts and the dashboard use
 * is one the node exports ({@link #EXPORTED}: each checked against the code that exports it), or
 * one the repair and audit work will export ({@link #PENDING}), and then marked pending.
 */
class ComposeFilesTest {
    private static final Path DOCKER = Path.of("..", "docker");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String NODE_DATA = "/var/lib/stoq/data";
    private static final String NODE_CONFIG = "/etc/stoq/node.yaml";

    /**
     * Metric name as Prometheus stores it, then the file that exports it and the text that must be
     * there. Micrometer appends {@code _total} to counters and {@code _seconds_count/_sum/_max} to
     * timers ({@link #micrometerNamesAreTheExportedOnes} checks that on a real registry).
     */
    static final Map<String, String[]> EXPORTED = new LinkedHashMap<>();
    static {
        String api = "fragmint-api/src/main/java/io/stoq/fragmint/http/ApiMetrics.java";
        String peer = "stoq-node/src/main/java/io/stoq/node/peer/PeerMetricsText.java";
        String node = "stoq-node/src/main/java/io/stoq/node/daemon/NodeMetricsText.java";
        EXPORTED.put("fragmint_requests_seconds_count", new String[] {api, "Timer.builder(\"fragmint_requests\")"});
        EXPORTED.put("fragmint_requests_seconds_sum", new String[] {api, "Timer.builder(\"fragmint_requests\")"});
        EXPORTED.put("fragmint_requests_seconds_max", new String[] {api, "Timer.builder(\"fragmint_requests\")"});
        EXPORTED.put("fragmint_request_body_bytes_total", new String[] {api, "Counter.builder(\"fragmint_request_body_bytes\")"});
        EXPORTED.put("fragmint_response_body_bytes_total", new String[] {api, "Counter.builder(\"fragmint_response_body_bytes\")"});
        EXPORTED.put("fragmint_header_timeouts_total", new String[] {api, "Counter.builder(\"fragmint_header_timeouts\")"});
        EXPORTED.put("fragmint_slow_body_cuts_total", new String[] {api, "Counter.builder(\"fragmint_slow_body_cuts\")"});
        EXPORTED.put("fragmint_write_stall_cuts_total", new String[] {api, "Counter.builder(\"fragmint_write_stall_cuts\")"});
        EXPORTED.put("fragmint_connections_refused_total", new String[] {api, "Counter.builder(\"fragmint_connections_refused\")"});
        EXPORTED.put("fragmint_requests_in_flight", new String[] {api, "gauge(\"fragmint_requests_in_flight\""});
        EXPORTED.put("fragmint_connections_open", new String[] {api, "Gauge.builder(\"fragmint_connections_open\""});
        for (String name : List.of("stoq_peer_up", "stoq_peer_rtt_seconds", "stoq_peer_throughput_bytes_per_second",
                "stoq_peer_members", "stoq_peer_connections_open", "stoq_peer_connections_refused_total",
                "stoq_peer_stream_errors_total")) {
            EXPORTED.put(name, new String[] {peer, "\"" + name + "\""});
        }
        String repair = "stoq-node/src/main/java/io/stoq/node/repair/RepairMetrics.java";
        for (String name : List.of("stoq_repair_shards_below_policy", "stoq_audit_failures_total")) {
            EXPORTED.put(name, new String[] {repair, "\"" + name + "\""});
        }
        for (String name : List.of("stoq_store_capacity_bytes", "stoq_store_free_bytes", "stoq_store_min_free_bytes",
                "stoq_certificate_expiry_timestamp_seconds", "stoq_crl_next_update_timestamp_seconds")) {
            EXPORTED.put(name, new String[] {node, "\"" + name + "\""});
        }
    }

    /** Metrics the rules may use before a node exports them (marked pending); none since repair and audits export theirs. */
    static final Set<String> PENDING = Set.of();

    /** Made by Prometheus itself for every target. */
    static final Set<String> PROMETHEUS = Set.of("up");

    static final Set<String> ALERTS = Set.of("StoqNodeDown", "StoqNodeSeenDeadByPeers", "StoqDiskNearlyFull",
            "StoqCertificateExpiringSoon", "StoqCrlStale", "StoqShardsBelowPolicy", "StoqAuditFailures");

    private static final Pattern METRIC = Pattern.compile("\\b(?:stoq|fragmint)_[a-z0-9_]+\\b|\\bup\\s*\\{");

    static JsonNode compose;
    static JsonNode services;
    /** Node services in file order (those that run {@code stoq node run}). */
    static List<String> nodes;

    @BeforeAll
    static void read() throws IOException {
        compose = YAML.readTree(DOCKER.resolve("compose.yaml").toFile());
        services = compose.path("services");
        nodes = new ArrayList<>();
        services.fieldNames().forEachRemaining(name -> {
            if (strings(services.path(name).path("command")).containsAll(List.of("node", "run"))) {
                nodes.add(name);
            }
        });
    }

    @Test
    void threeNodesInThreeZonesEachWithHealthcheckVolumeAndCaInitFirst() throws IOException {
        assertThat(nodes).containsExactly("node-1", "node-2", "node-3");
        JsonNode init = services.path("ca-init");
        Map<String, String> certified = certifiedZones();
        assertThat(certified.keySet()).containsExactlyElementsOf(nodes);
        Set<String> volumes = new TreeSet<>();
        for (String node : nodes) {
            JsonNode s = services.path(node);
            assertThat(strings(s.path("command"))).as(node).containsSubsequence("--config", NODE_CONFIG);
            assertThat(strings(s.path("healthcheck").path("test"))).as(node + " healthcheck")
                    .contains("http://127.0.0.1:8080/readyz");
            assertThat(s.path("depends_on").path("ca-init").path("condition").asText()).as(node)
                    .isEqualTo("service_completed_successfully");
            assertThat(s.path("labels").path("io.stoq.zone").asText()).as(node + " zone label matches its certificate")
                    .isEqualTo(certified.get(node));
            String data = volumeAt(s, NODE_DATA);
            assertThat(compose.path("volumes").has(data)).as(node + ": data volume '" + data + "' is a named volume").isTrue();
            volumes.add(data);
            assertThat(volumeAt(init, "/var/lib/stoq/nodes/" + node)).as("ca-init writes " + node + "'s identity into its volume")
                    .isEqualTo(data);
            assertThat(mounts(s)).as(node + " reads the public CA files, never the CA's keys")
                    .contains("ca-public:/var/lib/stoq/ca-public:ro")
                    .noneMatch(m -> m.startsWith("ca:"));
        }
        assertThat(volumes).as("one data volume per node").hasSize(nodes.size());
        assertThat(new TreeSet<>(certified.values())).containsExactly("zone-1", "zone-2", "zone-3");
        assertThat(init.path("healthcheck").path("disable").asBoolean()).isTrue();
        assertThat(strings(init.path("entrypoint"))).contains("/opt/stoq/init/ca-init.sh");
        assertThat(Files.readString(DOCKER.resolve("Dockerfile"))).contains("COPY docker/init/ca-init.sh /opt/stoq/init/ca-init.sh")
                .contains("HEALTHCHECK").contains("/readyz").contains("VOLUME [\"" + NODE_DATA + "\"]").contains("USER stoq");
        assertThat(mounts(init)).contains("ca:/var/lib/stoq/ca", "ca-public:/var/lib/stoq/ca-public");
    }

    @Test
    void nodeSettingsAreRealKeysAndEveryNodeFindsTheOthers() throws Exception {
        Map<String, String> envToKey = new HashMap<>();
        for (ConfigKey<?> key : NodeConfigKeys.ALL) {
            envToKey.put(key.environmentVariable(), key.name());
        }
        Map<String, String> addresses = new LinkedHashMap<>();
        for (String node : nodes) {
            addresses.put(node, services.path(node).path("networks").path("stoq").path("ipv4_address").asText());
        }
        assertThat(addresses.values()).doesNotContain("").doesNotHaveDuplicates();
        Path nodeYaml = DOCKER.resolve("node.yaml");
        for (String node : nodes) {
            JsonNode s = services.path(node);
            assertThat(mounts(s)).contains("./node.yaml:" + NODE_CONFIG + ":ro");
            Map<String, String> env = new LinkedHashMap<>();
            s.path("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            assertThat(envToKey).as(node + ": every STOQ_* variable is a config key's").containsKeys(env.keySet().toArray(String[]::new));
            env.put("STOQ_DATA_DIR", NODE_DATA); // the image's ENV
            NodeConfig config = NodeConfig.load(nodeYaml, env, Map.of()); // ranges, patterns, unknown file keys
            assertThat(config.get(NodeConfigKeys.LEDGER_MODE)).isEqualTo("raft");
            assertThat(config.get(NodeConfigKeys.API_PORT)).isEqualTo(8080);
            assertThat(config.get(NodeConfigKeys.API_HOST)).isEqualTo("0.0.0.0");
            assertThat(config.get(NodeConfigKeys.PEER_BIND)).isEqualTo("0.0.0.0:7443");
            assertThat(config.path(NodeConfigKeys.NODE_ROOT_CERTIFICATE)).isEqualTo(Path.of("/var/lib/stoq/ca-public/root.crt.pem"));
            assertThat(config.path(NodeConfigKeys.NODE_CRL)).isEqualTo(Path.of("/var/lib/stoq/ca-public/crl.pem"));
            assertThat(config.path(NodeConfigKeys.NODE_CERTIFICATE)).isEqualTo(Path.of(NODE_DATA, "node", "node.crt.pem"));
            assertThat(list(config.get(NodeConfigKeys.RAFT_VOTERS))).as("raft.voters")
                    .containsExactlyElementsOf(nodes.stream().map(n -> n + "@" + addresses.get(n) + ":7444").toList());
            assertThat(list(config.get(NodeConfigKeys.DISCOVERY_ADVERTISE))).containsExactly(addresses.get(node) + ":7443");
            assertThat(list(config.get(NodeConfigKeys.DISCOVERY_SEEDS))).as(node + " seeds")
                    .containsExactlyInAnyOrderElementsOf(nodes.stream().filter(n -> !n.equals(node))
                            .map(n -> addresses.get(n) + ":7443").toList());
            // Only the first node of ca-init's list creates the ledger, with the others as founders.
            String founders = config.get(NodeConfigKeys.RAFT_FOUNDERS);
            if (node.equals(certifiedZones().keySet().iterator().next())) {
                // raft.founders is a string key, so a relative one would resolve against the
                // container's working directory, not data.dir: it must be absolute, in the volume.
                assertThat(founders).isEqualTo(NODE_DATA + "/founders");
            } else {
                assertThat(founders).as(node).isNullOrEmpty();
            }
        }
    }

    @Test
    void prometheusScrapesEveryNodeWithTheRulesAndTheKeyItIsGiven() throws IOException {
        JsonNode prom = YAML.readTree(DOCKER.resolve("prometheus/prometheus.yml").toFile());
        JsonNode job = null;
        for (JsonNode j : prom.path("scrape_configs")) {
            if (j.path("job_name").asText().equals("stoq")) {
                job = j;
            }
        }
        assertThat(job).as("scrape job 'stoq'").isNotNull();
        assertThat(job.path("metrics_path").asText()).isEqualTo("/metrics");
        List<String> targets = new ArrayList<>();
        for (JsonNode sc : job.path("static_configs")) {
            String target = strings(sc.path("targets")).get(0);
            targets.add(target);
            String node = target.substring(0, target.indexOf(':'));
            assertThat(sc.path("labels").path("instance_node").asText()).isEqualTo(node);
            assertThat(sc.path("labels").path("instance_zone").asText()).isEqualTo(certifiedZones().get(node));
            assertThat(sc.path("labels").has("zone")).as("'zone' would clash with stoq_peer_*'s own zone label").isFalse();
        }
        assertThat(targets).containsExactlyElementsOf(nodes.stream().map(n -> n + ":8080").toList());
        JsonNode promService = services.path("prometheus");
        String keyFile = job.path("authorization").path("credentials_file").asText();
        assertThat(mounts(promService)).as("the metrics key and rule files are mounted where the config reads them")
                .contains("./secrets/metrics.key:" + keyFile + ":ro")
                .contains("./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
        for (JsonNode ruleFile : prom.path("rule_files")) {
            assertThat(mounts(promService)).contains("./prometheus/" + Path.of(ruleFile.asText()).getFileName() + ":" + ruleFile.asText() + ":ro");
        }
    }

    @Test
    void alertRulesExistAndUseOnlyExportedOrPendingMetrics() throws IOException {
        JsonNode rules = YAML.readTree(DOCKER.resolve("prometheus/alerts.yml").toFile());
        Set<String> names = new TreeSet<>();
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String name = rule.path("alert").asText();
                names.add(name);
                Set<String> used = metrics(rule.path("expr").asText());
                assertThat(used).as(name + " uses a metric").isNotEmpty();
                assertKnown(name, used);
                boolean pending = used.stream().anyMatch(PENDING::contains);
                assertThat(rule.path("annotations").has("pending")).as(name + ": marked pending exactly when it uses a pending metric")
                        .isEqualTo(pending);
                assertThat(rule.path("labels").path("severity").asText()).as(name).isIn("warning", "critical");
                assertThat(rule.path("annotations").path("summary").asText()).as(name).isNotBlank();
            }
        }
        assertThat(names).containsExactlyInAnyOrderElementsOf(ALERTS);
        String operations = Files.readString(Path.of("..", "docs", "operations.md"));
        for (String alert : ALERTS) {
            assertThat(operations).as("docs/operations.md explains " + alert).contains(alert);
        }
        String test = Files.readString(DOCKER.resolve("prometheus/alerts.test.yml"));
        for (String alert : ALERTS) {
            assertThat(test).as("promtool unit test covers " + alert).contains("alertname: " + alert);
        }
    }

    @Test
    void grafanaIsProvisionedWithTheDashboardOverExportedMetrics() throws IOException {
        JsonNode datasources = YAML.readTree(DOCKER.resolve("grafana/provisioning/datasources/prometheus.yaml").toFile());
        JsonNode ds = datasources.path("datasources").get(0);
        assertThat(ds.path("url").asText()).isEqualTo("http://prometheus:9090");
        String uid = ds.path("uid").asText();
        JsonNode providers = YAML.readTree(DOCKER.resolve("grafana/provisioning/dashboards/stoq.yaml").toFile());
        String dashboardsPath = providers.path("providers").get(0).path("options").path("path").asText();
        assertThat(mounts(services.path("grafana"))).contains("./grafana/dashboards:" + dashboardsPath + ":ro",
                "./grafana/provisioning:/etc/grafana/provisioning:ro");

        JsonNode dashboard = JSON.readTree(DOCKER.resolve("grafana/dashboards/stoq.json").toFile());
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        int queries = 0;
        Set<String> used = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            String title = panel.path("title").asText();
            Set<String> panelMetrics = new TreeSet<>();
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("datasource").path("uid").asText()).as(title).isEqualTo(uid);
                panelMetrics.addAll(metrics(target.path("expr").asText()));
                queries++;
            }
            if (panel.has("targets") && !panel.path("targets").isEmpty()) {
                assertThat(panel.path("datasource").path("uid").asText()).as(title).isEqualTo(uid);
            }
            assertKnown("panel '" + title + "'", panelMetrics);
            if (panelMetrics.stream().anyMatch(PENDING::contains)) {
                assertThat(title + panel.path("description").asText()).as(title + " says it is pending").containsIgnoringCase("pending");
            }
            used.addAll(panelMetrics);
        }
        assertThat(queries).isGreaterThan(10);
        // The dashboard shows every alert's metrics, so an alert can be read on it.
        assertThat(used).contains("up", "stoq_peer_up", "stoq_store_free_bytes", "stoq_certificate_expiry_timestamp_seconds",
                "stoq_repair_shards_below_policy", "stoq_audit_failures_total");
    }

    @Test
    void exportedMetricNamesAreStillInTheCodeThatExportsThem() throws IOException {
        for (Map.Entry<String, String[]> e : EXPORTED.entrySet()) {
            String source = Files.readString(Path.of("..", e.getValue()[0]));
            assertThat(source).as(e.getKey() + " is exported by " + e.getValue()[0]).contains(e.getValue()[1]);
        }
        for (String pending : PENDING) { // (assertj refuses doesNotContainAnyElementsOf an empty set)
            assertThat(EXPORTED).as(pending + " is exported, so no longer pending").doesNotContainKey(pending);
        }
    }

    @Test
    void micrometerNamesAreTheExportedOnes() {
        // A fresh registry shows the counters and gauges it registers at start, under the names
        // Prometheus stores (the _total suffix is Micrometer's, not in the code's literal).
        String scrape = new ApiMetrics().scrape();
        Set<String> shown = metrics(scrape);
        for (String name : EXPORTED.keySet()) {
            if (name.startsWith("fragmint_") && !name.startsWith("fragmint_requests_seconds") && !name.equals("fragmint_connections_open")) {
                assertThat(shown).as(name).contains(name);
            }
        }
    }

    private static void assertKnown(String where, Set<String> used) {
        for (String metric : used) {
            assertThat(EXPORTED.containsKey(metric) || PENDING.contains(metric) || PROMETHEUS.contains(metric))
                    .as(where + " uses " + metric + ", which no node exports (EXPORTED), nor the pending repair/audit work")
                    .isTrue();
        }
    }

    /** Metric names in a PromQL expression (or a scrape): stoq_*, fragmint_* and Prometheus' up. */
    static Set<String> metrics(String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            String name = m.group();
            out.add(name.startsWith("up") && !name.startsWith("up_") ? "up" : name);
        }
        return out;
    }

    /** ca-init's STOQ_INIT_NODES "id:zone ..." in order. */
    private static Map<String, String> certifiedZones() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String entry : services.path("ca-init").path("environment").path("STOQ_INIT_NODES").asText().trim().split("\\s+")) {
            out.put(entry.substring(0, entry.indexOf(':')), entry.substring(entry.indexOf(':') + 1));
        }
        return out;
    }

    private static String volumeAt(JsonNode service, String target) {
        for (String m : mounts(service)) {
            String[] parts = m.split(":");
            if (parts.length >= 2 && parts[1].equals(target)) {
                return parts[0];
            }
        }
        return null;
    }

    private static List<String> mounts(JsonNode service) {
        return strings(service.path("volumes"));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> list(String commaSeparated) {
        return commaSeparated == null || commaSeparated.isBlank() ? List.of()
                : java.util.Arrays.stream(commaSeparated.split(",")).map(String::trim).collect(Collectors.toList());
    }
}
