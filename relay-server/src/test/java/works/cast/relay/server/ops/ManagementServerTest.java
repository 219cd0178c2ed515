package works.cast.relay.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.config.HttpConfig;

/** The management endpoint over real HTTP on 127.0.0.1. */
class ManagementServerTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final RelayMetrics metrics = new RelayMetrics();
    private ManagementServer server;

    @TempDir
    Path tmp;

    @BeforeEach
    void start() {
        server = new ManagementServer(new HttpConfig(true, "127.0.0.1", 0), metrics);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
        metrics.close();
    }

    private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.boundPort() + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path);
    }

    @Test
    void metricsShowTheCountersAfterCalls() throws Exception {
        metrics.sessionOpened();
        metrics.messageAccepted("cast.works");
        metrics.signature("cast.works", "rsa1", "rsa-sha256", 2_000_000);
        metrics.registerKeyAges(() -> Map.of("cast.works/rsa1", Duration.ofHours(1)));
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("content-type").orElse(""));
        assertTrue(r.body().contains("\ndkim_relay_sessions_total 1.0\n"), r.body());
        assertTrue(r.body().contains("\ndkim_relay_messages_accepted_total{domain=\"cast.works\"} 1.0\n"), r.body());
        assertTrue(r.body().contains("\ndkim_relay_signing_seconds_count{algorithm=\"rsa-sha256\"} 1\n"), r.body());
        assertTrue(r.body().contains("\ndkim_relay_key_age_seconds{domain=\"cast.works\",selector=\"rsa1\"} 3600.0\n"),
                r.body());
        metrics.messageAccepted("cast.works");
        assertTrue(get("/metrics").body().contains("dkim_relay_messages_accepted_total{domain=\"cast.works\"} 2.0"));
    }

    @Test
    void healthzAnswersOk() throws Exception {
        HttpResponse<String> r = get("/healthz");
        assertEquals(200, r.statusCode());
        assertEquals("ok\n", r.body());
        HttpResponse<String> head = send("HEAD", "/healthz");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    @Test
    void readyzTurns503WithTheReasonWhenTheQueueDirectoryGoesAway() throws Exception {
        Path queue = Files.createDirectory(tmp.resolve("queue"));
        AtomicBoolean listening = new AtomicBoolean(true);
        server.addCheck(DirectoryWritableCheck.queue(queue));
        server.addCheck(() -> listening.get() ? Optional.empty() : Optional.of("smtp listeners not bound"));
        HttpResponse<String> ready = get("/readyz");
        assertEquals(200, ready.statusCode());
        assertEquals("ready\n", ready.body());
        try (var s = Files.list(queue)) {
            assertEquals(0, s.count(), "the probe file is removed");
        }

        // Tests run as root, where file modes do not stop writes: put a regular file where the directory was.
        Files.delete(queue);
        Files.writeString(queue, "not a directory");
        HttpResponse<String> notReady = get("/readyz");
        assertEquals(503, notReady.statusCode());
        assertEquals("queue directory " + queue + " not writable: not a directory\n", notReady.body());

        listening.set(false);
        Files.delete(queue);
        HttpResponse<String> both = get("/readyz");
        assertEquals(503, both.statusCode());
        assertEquals("queue directory " + queue + " not writable: does not exist\nsmtp listeners not bound\n",
                both.body());

        Files.createDirectory(queue);
        listening.set(true);
        assertEquals(200, get("/readyz").statusCode());
    }

    @Test
    void aCheckThatThrowsCountsAsFailing() throws Exception {
        server.addCheck(() -> {
            throw new IllegalStateException("key store not loaded");
        });
        HttpResponse<String> r = get("/readyz");
        assertEquals(503, r.statusCode());
        assertTrue(r.body().contains("key store not loaded"), r.body());
    }

    @Test
    void unknownPathsAndMethods() throws Exception {
        assertEquals(404, get("/").statusCode());
        assertEquals(404, get("/metrics/x").statusCode());
        HttpResponse<String> post = send("POST", "/metrics");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("allow").orElse(""));
        assertEquals(200, get("/healthz?verbose=1").statusCode());
    }

    @Test
    void garbageGets400AndTheConnectionCloses() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.boundPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(reply.startsWith("HTTP/1.1 400 Bad Request\r\n"), reply);
        }
    }

    @Test
    void aTakenPortFailsFastWithTheAddress() {
        int taken = server.boundPort();
        ManagementServer second = new ManagementServer("127.0.0.1", taken, metrics);
        IllegalStateException e = assertThrows(IllegalStateException.class, second::start);
        assertTrue(e.getMessage().startsWith("management http 127.0.0.1:" + taken + ": cannot bind: "), e.getMessage());
        second.stop();
    }

    @Test
    void stopIsIdempotentAndReleasesThePort() throws Exception {
        int port = server.boundPort();
        server.stop();
        server.stop();
        ManagementServer again = new ManagementServer("127.0.0.1", port, metrics);
        try {
            again.start();
            assertEquals(port, again.boundPort());
        } finally {
            again.stop();
        }
    }
}
