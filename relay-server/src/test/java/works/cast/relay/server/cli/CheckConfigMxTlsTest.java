package works.cast.relay.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import works.cast.relay.server.dns.Dnsmasq;

/**
 * {@code check-config} on the MX TLS settings: a DANE resolver that does not validate (dnsmasq sets no AD bit) is
 * warned about, an unreadable or empty trust store and a bad HTTPS port are problems naming file, line and key.
 */
class CheckConfigMxTlsTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(String... args) {
        CommandLine cmd = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return new Run(cmd.execute(args), out.toString(), err.toString());
    }

    private Path config(String dns, String mx) throws Exception {
        return Files.writeString(dir.resolve("relay.conf"), "relay {\n"
                + "  keys-dir = \"" + dir.resolve("keys") + "\"\n"
                + "  queue.dir = \"" + dir.resolve("queue") + "\"\n"
                + "  signing.development-keys = true\n"
                + "  dns.servers = [ \"" + dns + "\" ]\n"
                + "  delivery.mode = mx\n"
                + "  delivery.mx { " + mx + " }\n}\n");
    }

    @Test
    void warnsWhenDaneIsOnAndTheResolverDoesNotValidate() throws Exception {
        try (Dnsmasq dns = Dnsmasq.start(List.of(), List.of("test"))) {
            Run on = cli("check-config", "--config", config(dns.server(), "dane.enabled = true").toString());
            assertEquals(0, on.exit(), on.err());
            assertTrue(on.err().contains("warning: relay.delivery.mx.dane is on, but the resolver " + dns.server()
                    + " answered the root SOA with"), on.err());
            assertTrue(on.err().contains("DANE needs a validating resolver"), on.err());

            Run off = cli("check-config", "--config", config(dns.server(), "dane.enabled = false").toString());
            assertEquals(0, off.exit(), off.err());
            assertFalse(off.err().contains("warning"), off.err());
        }
    }

    @Test
    void aMissingOrEmptyTrustStoreAndABadPortAreProblems() throws Exception {
        Path missing = dir.resolve("nope.pem");
        Path conf = config("127.0.0.1:9", "dane.enabled = false, trust-store = \"" + missing
                + "\", mta-sts.https-port = 0");
        Run r = cli("check-config", "--config", conf.toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains(conf + ":7: relay.delivery.mx.trust-store: cannot read " + missing), r.err());
        assertTrue(r.err().contains(conf + ":7: relay.delivery.mx.mta-sts.https-port"), r.err());

        Path empty = Files.writeString(dir.resolve("empty.pem"), "not a certificate\n");
        conf = config("127.0.0.1:9", "dane.enabled = false, trust-store = \"" + empty + "\"");
        r = cli("check-config", "--config", conf.toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("relay.delivery.mx.trust-store: trust store " + empty), r.err());
    }

    @Test
    void tlsReportsNeedAFromInASigningDomain() throws Exception {
        Path conf = config("127.0.0.1:9", "dane.enabled = false, tls-rpt { enabled = true }");
        Run r = cli("check-config", "--config", conf.toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains(conf + ":7: relay.delivery.mx.tls-rpt.from: required when tls-rpt.enabled = true"),
                r.err());

        conf = config("127.0.0.1:9", "dane.enabled = false, tls-rpt { enabled = true, from = \"rpt@elsewhere.test\" }");
        r = cli("check-config", "--config", conf.toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("relay.delivery.mx.tls-rpt.from: \"rpt@elsewhere.test\" is not in one of "
                + "relay.signing.domains"), r.err());

        conf = config("127.0.0.1:9", "dane.enabled = false, tls-rpt { enabled = true, from = \"tlsrpt@cast.works\" }");
        r = cli("check-config", "--config", conf.toString());
        assertEquals(0, r.exit(), r.err());
    }
}
