package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.auth.Passwords;
import works.cast.relay.server.auth.UserEntry;
import works.cast.relay.server.auth.UsersFile;

/** The AUTH options of the config as a client of a running relay meets them. */
class AuthThroughRelayTest {

    private static String plain(String user, String password) {
        return "AUTH PLAIN " + Base64.getEncoder().encodeToString(("\0" + user + "\0" + password)
                .getBytes(StandardCharsets.UTF_8)) + "\r\n";
    }

    @Test
    void failureLimitAndSenderOwnershipFollowTheConfig(@TempDir Path dir) throws Exception {
        Path users = dir.resolve("users");
        UsersFile.empty().with(new UserEntry("app", Passwords.hash("pw".toCharArray(), 4), List.of("cast.works")))
                .write(users);
        String extra = """
                access { networks = [], users-file = "%s", require-tls-for-auth = false, auth-failure-delay = 0s,
                         auth-failures = 2, auth-failure-window = 1h }
                """.formatted(users);
        try (TestRelay relay = TestRelay.start(dir, extra)) {
            try (SmtpTestClient c = new SmtpTestClient(relay.port(), "127.0.0.21")) {
                c.hello();
                c.write(plain("app", "pw"));
                assertTrue(c.reply().startsWith("235"));
                c.write("MAIL FROM:<someone@example.org>\r\n");
                assertEquals("550 5.7.1 Sender address <someone@example.org> is not owned by user app", c.reply());
                c.write("MAIL FROM:<bounces@news.cast.works>\r\n");
                assertTrue(c.reply().startsWith("250"));
            }
            try (SmtpTestClient c = new SmtpTestClient(relay.port(), "127.0.0.22")) {
                c.hello();
                c.write(plain("app", "wrong"));
                assertTrue(c.reply().startsWith("535 5.7.8"));
                c.write(plain("app", "wrong"));
                assertTrue(c.reply().startsWith("421 4.7.0"), "the second failure reaches auth-failures = 2");
            }
            try (SmtpTestClient c = new SmtpTestClient(relay.port(), "127.0.0.22")) {
                assertTrue(c.reply().startsWith("421"), "refused at connect within the window");
            }
        }
    }
}
