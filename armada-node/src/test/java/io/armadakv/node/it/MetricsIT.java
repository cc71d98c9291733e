package io.armadakv.node.it;

import armada.v1.ClusterGrpc;
import armada.v1.StatusRequest;
import armada.v1.TableStatus;
import io.armadakv.node.metrics.PrometheusText;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.armadakv.node.it.Api.createTable;
import static io.armadakv.node.it.Api.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /metrics and /health of a running ./armada leader, scraped as Prometheus and a prober would. */
class MetricsIT {

    /** What a stock Prometheus 2.x sends. */
    private static final String PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,"
            + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    @TempDir
    static Path dir;

    static ArmadaProcess node;
    static ManagedChannel ch;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        node = ArmadaProcess.start(dir.resolve("metrics"));
        ch = node.channel();
    }

    @AfterAll
    static void shutdown() {
        if (node != null) {
            node.close();
        }
    }

    private static HttpResponse<String> get(String path, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.restPort() + path));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void perTableFiguresMatchClusterStatusAndEveryLineParses() throws Exception {
        createTable(ch, "orders");
        for (int i = 0; i < 5; i++) {
            put(ch, "orders", "k" + i, "v" + i);
        }
        put(ch, "orders", "k0", "again");

        HttpResponse<String> response = get("/metrics", "text/plain");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
                response.headers().map().toString());
        // kept for whoever reads the test's output: what an operator's Prometheus sees
        Files.writeString(ArmadaProcess.root().resolve("armada-node/target/metrics-scrape.txt"), response.body());
        PrometheusText text = PrometheusText.parse(response.body());
        TableStatus status = ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .status(StatusRequest.getDefaultInstance()).getTablesOrThrow("orders");

        Map<String, String> orders = Map.of("table", "orders");
        assertEquals(status.getRaftTerm(), text.value("armada_raft_term", orders));
        assertEquals(status.getRaftAppliedIndex(), text.value("armada_raft_applied_index", orders));
        assertTrue(text.value("armada_raft_commit_index", orders) >= status.getRaftAppliedIndex());
        assertEquals(status.getRevision(), text.value("armada_store_revision", orders));
        assertEquals(status.getLogEntries(), text.value("armada_raft_log_entries", orders));
        assertEquals(5.0, text.value("armada_store_keys", orders));
        assertEquals(1.0, text.value("armada_raft_leader_id", orders));
        assertEquals(1.0, text.value("armada_raft_is_leader", orders));
        assertTrue(text.value("armada_store_size_bytes", orders) > 0);
        assertTrue(text.find("armada_replication_lag_entries", orders).isEmpty(), "no lag figures on the leader cluster");

        assertTrue(text.value("armada_entries_applied_total", orders) >= 6);
        assertEquals(6.0, text.value("armada_proposal_duration_seconds_count", orders));
        assertEquals(6.0, text.value("armada_proposed_entries_total", orders), "one entry per write when writes come one at a time");
        assertEquals(text.value("armada_entries_applied_total", orders), text.value("armada_raft_applied_index", orders),
                "a write is one Raft entry: Ratis adds no commit-index entries between them");
        assertTrue(text.value("armada_apply_duration_seconds_count", orders) >= 6);
        // the configured bounds, not Helidon's defaults: every apply fits under the 1 s bound
        assertEquals(text.value("armada_apply_duration_seconds_count", orders),
                text.value("armada_apply_duration_seconds_bucket", Map.of("table", "orders", "le", "1.0")));
        assertTrue(text.find("armada_apply_duration_seconds_bucket", Map.of("table", "orders", "le", "0.001")).isPresent());
        assertTrue(text.find("armada_proposal_duration_seconds_bucket", Map.of("table", "orders", "le", "2.5")).isPresent());
        assertTrue(text.find("armada_proposal_duration_seconds_bucket", Map.of("table", "orders", "le", "5.0")).isPresent());
        // Helidon 4.2.0 warns that any bucket list is out of order; logging.properties keeps that out
        assertFalse(node.logText().contains("strictly increasing order"), node.logTail());
        assertEquals(0.0, text.value("armada_apply_failures_total", orders));
        assertEquals(0.0, text.value("armada_snapshot_installs_total", orders));
        assertEquals(6.0, text.value("armada_grpc_requests_total", Map.of("method", "regatta.v1.KV/Put", "code", "OK")));
        assertTrue(text.value("armada_grpc_request_duration_seconds_count",
                Map.of("method", "regatta.v1.KV/Put", "code", "OK")) >= 6);
        assertEquals("counter", text.types().get("armada_grpc_requests_total"));
        assertEquals("gauge", text.types().get("armada_raft_term"));

        assertTrue(text.find("memory_usedHeap_bytes", Map.of()).isPresent(), "JVM base metrics are on");
        assertTrue(text.find("jvm_uptime_seconds", Map.of()).isPresent(), "JVM base metrics are on");
        for (PrometheusText.Sample s : text.samples()) {
            assertTrue(!s.name().startsWith("armada_") || !s.labels().containsKey("key"), "no keys as labels");
        }

        // Prometheus's own Accept gets OpenMetrics, which it parses: a complete exposition ending in "# EOF"
        HttpResponse<String> openMetrics = get("/metrics", PROMETHEUS_ACCEPT);
        assertEquals(200, openMetrics.statusCode());
        assertEquals("application/openmetrics-text", openMetrics.headers().firstValue("Content-Type").orElse(""));
        assertTrue(openMetrics.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
        PrometheusText om = PrometheusText.parse(openMetrics.body());
        assertEquals(status.getRevision(), om.value("armada_store_revision", orders));
        assertTrue(PrometheusText.parse(get("/metrics", null).body()).find("armada_raft_term", orders).isPresent());
    }

    @Test
    void liveAndReadyOnAHealthyNode() throws Exception {
        createTable(ch, "ready");
        HttpResponse<String> live = get("/health/live", null);
        assertEquals(200, live.statusCode(), live.body());
        assertTrue(live.body().contains("\"status\":\"UP\""), live.body());
        HttpResponse<String> ready = get("/health/ready", null);
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("\"name\":\"tables\""), ready.body());
        assertTrue(ready.body().contains("\"status\":\"UP\""), ready.body());
    }
}
