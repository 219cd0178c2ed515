package works.cast.relay.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.keys.KeyRing;
import works.cast.relay.server.config.HttpConfig;
import works.cast.relay.server.config.TlsConfig;

/** The console over real HTTP on 127.0.0.1: headers, read-only methods, and the token when one is configured. */
class ConsoleHttpTest {

    private static final String TOKEN = "c0ns0le-t0ken-for-tests";

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final RelayMetrics metrics = new RelayMetrics();
    private ManagementServer server;

    @TempDir
    Path tmp;

    private void start(boolean token) throws IOException {
        server = new ManagementServer(new HttpConfig(true, "127.0.0.1", 0), metrics);
        server.console(new ConsoleSources("relay.test", "1.0", Instant.now(), "jdk", "portable", "smarthost",
                List.of("cast.works"), KeyRing::empty, Map::of, Optional::empty, Optional.empty(),
                TlsConfig.Profile.INTERMEDIATE));
        if (token) {
            Path file = Files.writeString(tmp.resolve("token"), "  " + TOKEN + "\nsecond line ignored\n");
            server.requireToken(file);
        }
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
        metrics.close();
    }

    private HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.boundPort() + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void thePageTheApiAndTheirAssetsWithStrictHeaders() throws Exception {
        start(false);
        HttpResponse<String> page = send("GET", "/");
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("content-type").orElse(""));
        assertEquals(HttpHandler.CONTENT_SECURITY_POLICY,
                page.headers().firstValue("content-security-policy").orElse(""));
        assertTrue(page.headers().firstValue("content-security-policy").orElse("").contains("script-src 'self';"));
        assertEquals("nosniff", page.headers().firstValue("x-content-type-options").orElse(""));
        assertTrue(page.body().contains("<script src=\"/console.js\" defer></script>"), page.body());
        assertTrue(page.body().contains("<h3>cast.works</h3>"), page.body());

        HttpResponse<String> api = send("GET", "/api/status");
        assertEquals(200, api.statusCode());
        assertEquals("application/json; charset=utf-8", api.headers().firstValue("content-type").orElse(""));
        assertEquals("no-store", api.headers().firstValue("cache-control").orElse(""));
        assertEquals("nosniff", api.headers().firstValue("x-content-type-options").orElse(""));
        assertTrue(api.body().startsWith("{\"generated\":\""), api.body());
        assertTrue(api.body().contains("\"domains\":[{\"domain\":\"cast.works\",\"selectors\":[]"), api.body());

        HttpResponse<String> js = send("GET", "/console.js");
        assertEquals("text/javascript; charset=utf-8", js.headers().firstValue("content-type").orElse(""));
        assertTrue(js.body().contains("fetch('/api/status'"), js.body());
        assertEquals("text/css; charset=utf-8", send("GET", "/console.css").headers().firstValue("content-type")
                .orElse(""));
    }

    @Test
    void nothingButGetAndHead() throws Exception {
        start(false);
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
            for (String path : List.of("/", "/api/status", "/console.js", "/metrics")) {
                HttpResponse<String> r = send(method, path);
                assertEquals(405, r.statusCode(), method + " " + path);
                assertEquals("GET, HEAD", r.headers().firstValue("allow").orElse(""));
            }
        }
        assertEquals("", send("HEAD", "/api/status").body());
    }

    @Test
    void withATokenEverythingButHealthNeedsIt() throws Exception {
        start(true);
        for (String path : List.of("/", "/api/status", "/console.js", "/metrics", "/?token=wrong")) {
            HttpResponse<String> r = send("GET", path);
            assertEquals(401, r.statusCode(), path);
            assertEquals("Bearer realm=\"dkim-relay\"", r.headers().firstValue("www-authenticate").orElse(""));
        }
        assertEquals(401, send("GET", "/", "Authorization", "Bearer wrong").statusCode());
        assertEquals(200, send("GET", "/healthz").statusCode());
        assertEquals(200, send("GET", "/readyz").statusCode());

        assertEquals(200, send("GET", "/api/status", "Authorization", "Bearer " + TOKEN).statusCode());
        assertEquals(200, send("GET", "/metrics", "Authorization", "bearer " + TOKEN).statusCode());

        HttpResponse<String> login = send("GET", "/?token=" + TOKEN);
        assertEquals(303, login.statusCode());
        assertEquals("/", login.headers().firstValue("location").orElse(""));
        String cookie = login.headers().firstValue("set-cookie").orElse("");
        assertTrue(cookie.endsWith("; Path=/; HttpOnly; SameSite=Strict"), cookie);
        assertTrue(!cookie.contains(TOKEN), "the cookie holds no token: " + cookie);
        String pair = cookie.substring(0, cookie.indexOf(';'));
        HttpResponse<String> page = send("GET", "/", "Cookie", "other=1; " + pair);
        assertEquals(200, page.statusCode());
        assertEquals(200, send("GET", "/api/status", "Cookie", pair).statusCode());
        assertEquals(401, send("GET", "/api/status", "Cookie", pair + "x").statusCode());
    }
}
