package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.auth.Passwords;
import works.cast.relay.server.auth.UserEntry;
import works.cast.relay.server.auth.UsersFile;

/**
 * SIGHUP makes a running relay read its users file again (a new user authenticates without a restart), and every
 * message leaves one log line with its facts: queue id, client, user, TLS, sender, recipients, size, From domain,
 * signatures, result. No password appears in the log.
 */
class ReloadAndMessageLogIT {

    static final String PASSWORD = "hup-password-7";

    @Test
    void newUserAfterSighupAndOneSummaryLinePerMessage(@TempDir Path dir) throws Exception {
        Path users = dir.resolve("users");
        UsersFile.empty().write(users);
        int port = RelayProcess.freePort();
        Path conf = RelayProcess.writeConfig(dir, port, """
                access { networks = [ "192.0.2.0/24" ], users-file = "%s", require-tls-for-auth = false,
                         auth-failure-delay = 0s }
                delivery { mode = directory, directory = "%s" }
                """.formatted(users, dir.resolve("outbox")));
        String auth = "AUTH PLAIN " + Base64.getEncoder().encodeToString(("\0newapp\0" + PASSWORD)
                .getBytes(StandardCharsets.US_ASCII)) + "\r\n";
        try (RelayProcess relay = new RelayProcess(dir, conf, List.of("-Xmx128m")).start(port)) {
            // Started as bin/dkim-relay run starts it, the relay hashes relaxed bodies with the Vector API.
            waitForLog(relay, "body-scan=vector");
            // ... and signs RSA with the Corretto provider, which the packaged jar carries for x86-64 Linux.
            if ("true".equals(System.getenv("CI"))) {
                waitForLog(relay, "rsa=accp 2.5.0");
            }
            try (SmtpTestClient c = new SmtpTestClient(port)) {
                c.hello();
                assertTrue(c.write(auth).reply().startsWith("5"), "no such user yet");
            }
            UsersFile.empty().with(new UserEntry("newapp", Passwords.hash(PASSWORD.toCharArray(), 4),
                    List.of("cast.works"))).write(users);
            relay.signal("HUP");
            waitForLog(relay, "reload users=ok");
            try (SmtpTestClient c = new SmtpTestClient(port)) {
                c.hello();
                String r = c.write(auth).reply();
                assertTrue(r.startsWith("235"), r);
                String sent = c.send("newapp@cast.works", "rcpt@example.net",
                        "From: New App <newapp@cast.works>\r\nSubject: after reload\r\n\r\nhello\r\n");
                assertTrue(sent.startsWith("250"), sent);
            }
            Pattern line = Pattern.compile("message id=[0-9A-Z]{16} session=\\S+ client=127\\.0\\.0\\.1 user=newapp tls=- "
                    + "from=<newapp@cast\\.works> rcpts=1 size=\\d+ domain=cast\\.works "
                    + "dkim=d=cast\\.works/s=\\w+/a=rsa-sha256,d=cast\\.works/s=\\w+/a=ed25519-sha256 result=queued");
            waitForLog(relay, "result=queued");
            String log = relay.logText();
            assertTrue(line.matcher(log).find(), log);
            assertTrue(!log.contains(PASSWORD) && !log.contains(auth.substring(11, auth.length() - 2)),
                    "no credentials in the log");
            assertTrue(!log.contains("hello"), "no message bodies in the log");
        }
    }

    private static void waitForLog(RelayProcess relay, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!relay.logText().contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(relay.logText().contains(text), "log has \"" + text + "\":\n" + relay.logText());
    }
}
