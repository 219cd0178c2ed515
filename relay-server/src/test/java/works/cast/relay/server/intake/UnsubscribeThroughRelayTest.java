package works.cast.relay.server.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.SmtpTestClient;
import works.cast.relay.server.TestRelay;

/** Bulk mail without one-click unsubscribe: counted by default, refused with 550 when required. */
class UnsubscribeThroughRelayTest {

    private static final String BULK = "From: news@cast.works\r\nTo: r@example.net\r\nSubject: news\r\n"
            + "Precedence: bulk\r\nList-Unsubscribe: <mailto:u@cast.works>\r\n\r\nbody\r\n";

    @Test
    void countedByDefaultAndRefusedWhenRequired(@TempDir Path dir) throws Exception {
        try (TestRelay relay = TestRelay.start(Files.createDirectories(dir.resolve("count")), "");
             SmtpTestClient c = new SmtpTestClient(relay.port())) {
            c.hello();
            assertTrue(c.send("news@cast.works", "r@example.net", BULK).startsWith("250 "));
            assertTrue(relay.relay.metrics().scrape()
                    .contains("dkim_relay_unsubscribe_problems_total{problem=\"no-https\"} 1.0"));
        }
        try (TestRelay relay = TestRelay.start(Files.createDirectories(dir.resolve("require")),
                "signing.require-unsubscribe = true"); SmtpTestClient c = new SmtpTestClient(relay.port())) {
            c.hello();
            assertEquals("550 5.7.1 Bulk mail needs List-Unsubscribe with an https URI and List-Unsubscribe-Post: "
                    + "List-Unsubscribe=One-Click (RFC 8058): no-https", c.send("news@cast.works", "r@example.net", BULK));
            String oneClick = BULK.replace("<mailto:u@cast.works>", "<https://cast.works/u?t=1>\r\n"
                    + "List-Unsubscribe-Post: List-Unsubscribe=One-Click");
            assertTrue(c.send("news@cast.works", "r@example.net", oneClick).startsWith("250 "));
            assertTrue(c.send("app@cast.works", "r@example.net", "From: app@cast.works\r\nSubject: receipt\r\n\r\nx\r\n")
                    .startsWith("250 "), "personal mail needs no unsubscribe");
        }
    }
}
