package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A reload (SIGHUP) applies a changed access list to new connections, without a restart. */
class LiveReloadTest {

    @TempDir
    Path dir;

    @Test
    void changedNetworksApplyAfterReload() throws Exception {
        try (TestRelay relay = TestRelay.start(dir, "access.networks = [ \"192.0.2.0/24\" ]")) {
            try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
                c.hello();
                String r = c.send("app@cast.works", "rcpt@example.net", "From: app@cast.works\r\n\r\nx\r\n");
                assertTrue(r.startsWith("530"), r);
            }
            Path conf = dir.resolve("relay.conf");
            Files.writeString(conf, Files.readString(conf).replace("192.0.2.0/24", "127.0.0.0/8"));
            relay.relay.reload();
            try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
                c.hello();
                String r = c.send("app@cast.works", "rcpt@example.net", "From: app@cast.works\r\n\r\nx\r\n");
                assertTrue(r.startsWith("250"), r);
            }
        }
    }
}
