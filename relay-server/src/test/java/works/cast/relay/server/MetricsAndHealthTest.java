package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The management endpoint of a running relay: counters move with real traffic; readiness follows the queue. */
class MetricsAndHealthTest {

    @TempDir
    Path dir;

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void countersMoveAndReadinessFollowsTheQueueDirectory() throws Exception {
        try (TestRelay relay = TestRelay.start(dir, """
                http { enabled = true, port = 0 }
                delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = 9, tls = none } }
                queue.retry = [ 1h ]
                """)) {
            int http = relay.relay.httpPort().orElseThrow();
            assertEquals(200, get(http, "/healthz").statusCode());
            assertEquals(200, get(http, "/readyz").statusCode(), get(http, "/readyz").body());
            String before = get(http, "/metrics").body();

            try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
                c.hello();
                assertTrue(c.send("app@cast.works", "rcpt@example.net", "From: app@cast.works\r\n\r\nhello\r\n")
                        .startsWith("250"));
                assertTrue(c.send("app@evil.example", "rcpt@example.net", "From: app@evil.example\r\n\r\nno\r\n")
                        .startsWith("550"));
            }
            String after = get(http, "/metrics").body();
            String accepted = "dkim_relay_messages_accepted_total{domain=\"cast.works\"}";
            assertEquals(value(before, accepted) + 1, value(after, accepted), after);
            assertTrue(after.contains("dkim_relay_messages_rejected_total{reason=\"unknown-domain\"} 1"), after);
            assertTrue(after.contains("dkim_relay_signatures_total{algorithm=\"rsa-sha256\",domain=\"cast.works\""), after);
            assertTrue(after.contains("dkim_relay_signatures_total{algorithm=\"ed25519-sha256\",domain=\"cast.works\""),
                    after);
            assertTrue(value(after, "dkim_relay_queue_messages") >= 1, after);
            assertTrue(after.contains("dkim_relay_sessions_total"), after);
            assertTrue(after.contains("jvm_memory_used_bytes"), "JVM metrics");
            assertTrue(after.contains("dkim_relay_key_age_seconds{"), "key ages");

            Path queue = relay.config.queue().dir();
            Path moved = dir.resolve("queue-moved");
            Files.move(queue, moved);
            Files.writeString(queue, "not a directory");
            HttpResponse<String> notReady = get(http, "/readyz");
            assertEquals(503, notReady.statusCode());
            assertTrue(notReady.body().contains("queue directory"), notReady.body());
            Files.delete(queue);
            Files.move(moved, queue);
            assertEquals(200, get(http, "/readyz").statusCode());
        }
    }
}
