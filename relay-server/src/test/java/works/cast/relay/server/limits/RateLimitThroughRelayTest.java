package works.cast.relay.server.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import works.cast.relay.server.queue.MutableClock;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.SmtpTestClient;
import works.cast.relay.server.TestRelay;
import works.cast.relay.server.auth.Passwords;
import works.cast.relay.server.auth.UserEntry;
import works.cast.relay.server.auth.UsersFile;

/** Rate limits as a client meets them: 451 4.7.0 at MAIL or at the end of DATA, and mail again after the period. */
class RateLimitThroughRelayTest {

    private static final String MESSAGE = "From: app@cast.works\r\nTo: r@example.net\r\nSubject: t\r\n\r\nbody\r\n";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));

    @Test
    void sixthMessageFromOneClientGets451AtMailAndPassesAMinuteLater(@TempDir Path dir) throws Exception {
        try (TestRelay relay = TestRelay.start(dir, "limits.rates = [ { match = client-address, limit = 5, per = 1m } ]",
                clock); SmtpTestClient c = new SmtpTestClient(relay.port())) {
            c.hello();
            for (int i = 0; i < 5; i++) {
                assertTrue(c.send("app@cast.works", "r@example.net", MESSAGE).startsWith("250 "), "message " + i);
            }
            assertEquals("451 4.7.0 Rate limit reached for client 127.0.0.1, try again later",
                    c.send("app@cast.works", "r@example.net", MESSAGE));
            assertTrue(relay.relay.metrics().scrape()
                    .contains("dkim_relay_rate_limited_total{match=\"client-address\"} 1.0"));
            clock.advance(Duration.ofMinutes(1));
            assertTrue(c.send("app@cast.works", "r@example.net", MESSAGE).startsWith("250 "));
        }
    }

    @Test
    void authenticatedUserIsLimitedByItsOwnRate(@TempDir Path dir) throws Exception {
        Path users = dir.resolve("users");
        UsersFile.empty().with(new UserEntry("app", Passwords.hash("pw".toCharArray(), 4), List.of("cast.works")))
                .with(new UserEntry("bulk", Passwords.hash("pw".toCharArray(), 4), List.of("cast.works")))
                .write(users);
        String extra = """
                access { networks = [], users-file = "%s", require-tls-for-auth = false, auth-failure-delay = 0s }
                limits.rates = [ { match = user, limit = 5, per = 1m } ]
                limits.user-rates { "bulk" = { limit = 1, per = 1m } }
                """.formatted(users);
        try (TestRelay relay = TestRelay.start(dir, extra, clock);
             SmtpTestClient app = login(relay.port(), "app"); SmtpTestClient bulk = login(relay.port(), "bulk")) {
            for (int i = 0; i < 5; i++) {
                assertTrue(app.send("app@cast.works", "r@example.net", MESSAGE).startsWith("250 "), "message " + i);
            }
            assertEquals("451 4.7.0 Rate limit reached for user app, try again later",
                    app.send("app@cast.works", "r@example.net", MESSAGE));
            assertTrue(bulk.send("app@cast.works", "r@example.net", MESSAGE).startsWith("250 "));
            assertEquals("451 4.7.0 Rate limit reached for user bulk, try again later",
                    bulk.send("app@cast.works", "r@example.net", MESSAGE));
            clock.advance(Duration.ofMinutes(1));
            assertTrue(app.send("app@cast.works", "r@example.net", MESSAGE).startsWith("250 "));
        }
    }

    @Test
    void twoRelaysSharingRedisLimitTheFromDomainTogether(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")))) {
            String extra = """
                    limits { rates = [ { match = from-domain, limit = 5, per = 1m } ], store = redis,
                             redis { url = "%s", timeout = 10s } }
                    """.formatted(redis.url());
            try (TestRelay a = TestRelay.start(Files.createDirectories(dir.resolve("a")), extra, clock);
                 TestRelay b = TestRelay.start(Files.createDirectories(dir.resolve("b")), extra, clock);
                 SmtpTestClient ca = new SmtpTestClient(a.port()); SmtpTestClient cb = new SmtpTestClient(b.port())) {
                ca.hello();
                cb.hello();
                for (int i = 0; i < 5; i++) {
                    SmtpTestClient c = i % 2 == 0 ? ca : cb;
                    assertTrue(c.send("app@cast.works", "r@example.net", MESSAGE).startsWith("250 "), "message " + i);
                }
                assertEquals("451 4.7.0 Rate limit reached for domain cast.works, try again later",
                        cb.send("app@cast.works", "r@example.net", MESSAGE));
                assertEquals("451 4.7.0 Rate limit reached for domain cast.works, try again later",
                        ca.send("app@cast.works", "r@example.net", MESSAGE));
                assertTrue(ca.send("app@castworks.co.jp", "r@example.net", MESSAGE.replace("app@cast.works",
                        "app@castworks.co.jp")).startsWith("250 "), "another domain has its own bucket");
                clock.advance(Duration.ofMinutes(1));
                assertTrue(cb.send("app@cast.works", "r@example.net", MESSAGE).startsWith("250 "));
                assertTrue(b.relay.metrics().scrape()
                        .contains("dkim_relay_rate_limited_total{match=\"from-domain\"} 1.0"));
            }
        }
    }

    @Test
    void usersListShowsEachUsersUseFromTheRunningRelayAndFromRedis(@TempDir Path dir) throws Exception {
        Path users = dir.resolve("users");
        UsersFile.empty().with(new UserEntry("app", Passwords.hash("pw".toCharArray(), 4), List.of("cast.works")))
                .with(new UserEntry("idle", Passwords.hash("pw".toCharArray(), 4), List.of("cast.works")))
                .write(users);
        int http = works.cast.relay.server.RelayProcess.freePort();
        String extra = """
                access { networks = [], users-file = "%s", require-tls-for-auth = false, auth-failure-delay = 0s }
                limits.rates = [ { match = user, limit = 5, per = 1m } ]
                http { enabled = true, address = "127.0.0.1", port = %d }
                """.formatted(users, http);
        try (TestRelay relay = TestRelay.start(Files.createDirectories(dir.resolve("local")), extra, clock);
             SmtpTestClient app = login(relay.port(), "app")) {
            assertTrue(app.send("app@cast.works", "r@example.net", MESSAGE).startsWith("250 "));
            assertTrue(app.send("app@cast.works", "r@example.net", MESSAGE).startsWith("250 "));
            assertEquals("app cast.works rate=2/5 per 1m\nidle cast.works rate=0/5 per 1m\n",
                    usersList(relay.dir.resolve("relay.conf")));
        }
        assertEquals("app cast.works rate=?/5 per 1m (relay not reachable)\n"
                + "idle cast.works rate=?/5 per 1m (relay not reachable)\n",
                usersList(dir.resolve("local").resolve("relay.conf")));
        try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")));
             TestRelay relay = TestRelay.start(Files.createDirectories(dir.resolve("shared")), extra
                     + "limits { store = redis, redis { url = \"" + redis.url() + "\", timeout = 10s } }\n",
                     java.time.Clock.systemUTC());
             SmtpTestClient app = login(relay.port(), "app")) {
            for (int i = 0; i < 3; i++) {
                assertTrue(app.send("app@cast.works", "r@example.net", MESSAGE).startsWith("250 "));
            }
            // The command reads Redis with the system clock, as the relay does here.
            String listed = usersList(relay.dir.resolve("relay.conf"));
            assertTrue(listed.startsWith("app cast.works rate=3/5 per 1m\n"), listed);
        }
    }

    @Test
    void usersListSendsTheHttpTokenWhenTheEndpointNeedsOne(@TempDir Path dir) throws Exception {
        Path users = dir.resolve("users");
        UsersFile.empty().with(new UserEntry("app", Passwords.hash("pw".toCharArray(), 4), List.of("cast.works")))
                .write(users);
        Path token = dir.resolve("http-token");
        Files.writeString(token, "users-list-token\n");
        Files.setPosixFilePermissions(token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        int http = works.cast.relay.server.RelayProcess.freePort();
        try (TestRelay relay = TestRelay.start(Files.createDirectories(dir.resolve("r")), """
                access { networks = [], users-file = "%s", require-tls-for-auth = false, auth-failure-delay = 0s }
                limits.rates = [ { match = user, limit = 5, per = 1m } ]
                http { enabled = true, address = "127.0.0.1", port = %d, token-file = "%s" }
                """.formatted(users, http, token), clock);
             SmtpTestClient app = login(relay.port(), "app")) {
            assertTrue(app.send("app@cast.works", "r@example.net", MESSAGE).startsWith("250 "));
            var anonymous = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + http + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode());
            assertEquals("app cast.works rate=1/5 per 1m\n", usersList(relay.dir.resolve("relay.conf")));
        }
    }

    /** {@code dkim-relay users list} as the operator runs it, with the relay's config. */
    private static String usersList(Path config) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = new picocli.CommandLine(new works.cast.relay.server.auth.UsersCommand(
                new java.io.ByteArrayInputStream(new byte[0]), null));
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        assertEquals(0, cl.execute("list", "--config", config.toString()), err::toString);
        return out.toString();
    }

    private static SmtpTestClient login(int port, String user) throws Exception {
        SmtpTestClient c = new SmtpTestClient(port);
        c.hello();
        c.write("AUTH PLAIN " + Base64.getEncoder().encodeToString(("\0" + user + "\0pw")
                .getBytes(StandardCharsets.UTF_8)) + "\r\n");
        String reply = c.reply();
        assertTrue(reply.startsWith("235"), reply);
        return c;
    }
}
