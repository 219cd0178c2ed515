package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import works.cast.relay.core.keys.KeyAlgorithm;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.cli.Main;

/**
 * A selector pinned in a domain block signs only while it is active: check-config and a reload refuse a config that
 * pins a pending or retired selector (naming file, line and key), and a pinned selector retired with the keys command
 * while the relay runs stops signing at once.
 */
class PinnedSelectorTest {

    private static final Domain CAST = new Domain("cast.works");
    private static final String PINS = "signing.domains { \"cast.works\" { selectors = [ pinrsa, pined ] }, "
            + "\"castworks.co.jp\" { } }";

    @TempDir
    Path dir;

    private KeyStore store;

    @BeforeEach
    void keys() {
        store = new KeyStore(dir.resolve("keys"));
        Clock clock = Clock.systemUTC();
        store.generate(CAST, KeyAlgorithm.RSA_2048, Optional.of("pinrsa"), true, clock);
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("pined"), true, clock);
        store.generate(CAST, KeyAlgorithm.RSA_2048, Optional.of("waiting"), false, clock);
    }

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

    private Path config(String name, String signing) throws Exception {
        return Files.writeString(dir.resolve(name), "relay {\n"
                + "  keys-dir = \"" + dir.resolve("keys") + "\"\n"
                + "  queue.dir = \"" + dir.resolve("queue") + "\"\n"
                + "  delivery.directory = \"" + dir.resolve("outbox") + "\"\n"
                + "  signing.development-keys = true\n"
                + "  " + signing + "\n}\n");
    }

    @Test
    void checkConfigRefusesAPendingOrRetiredPin() throws Exception {
        Path ok = config("pins.conf", PINS);
        Run good = cli("check-config", "--config", ok.toString());
        assertEquals(0, good.exit(), good.err());

        Path pending = config("pending.conf", "signing.domains { \"cast.works\" { selectors = [ pinrsa, waiting ] } }");
        Run r = cli("check-config", "--config", pending.toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains(pending + ":6: relay.signing.domains.\"cast.works\".selectors: selector waiting "
                + "is pending: a pinned selector signs only while active (dkim-relay keys activate --domain cast.works "
                + "--selector waiting, or remove it from selectors)"), r.err());

        store.retire(CAST, "pined", Clock.systemUTC());
        r = cli("check-config", "--config", ok.toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains(ok + ":6: relay.signing.domains.\"cast.works\".selectors: selector pined is "
                + "retired"), r.err());
    }

    @Test
    void aPinRetiredWhileRunningStopsSigningAndAReloadIsRefused() throws Exception {
        try (TestRelay relay = TestRelay.start(dir, PINS)) {
            assertEquals(List.of("pinrsa", "pined"), selectors(send(relay)));

            Run retire = cli("keys", "retire", "--domain", "cast.works", "--selector", "pined",
                    "--keys-dir", dir.resolve("keys").toString());
            assertEquals(0, retire.exit(), retire.err());
            relay.relay.reload(); // the key store part of a reload applies; the config's pins no longer hold
            assertEquals(SelectorState.RETIRED, relay.keys().selectors(CAST).stream()
                    .filter(k -> k.selector().equals("pined")).findFirst().orElseThrow().state());
            assertEquals(List.of("pinrsa"), selectors(send(relay)), "a retired pin no longer signs");

            // The refused reload keeps the running config: the access list written with the pins is not applied.
            Path conf = dir.resolve("relay.conf");
            Files.writeString(conf, Files.readString(conf).replace("sender-checks.enabled = false",
                    "sender-checks.enabled = false\n  access.networks = [ \"192.0.2.0/24\" ]"));
            relay.relay.reload();
            assertEquals(List.of("pinrsa"), selectors(send(relay)), "127.0.0.1 may still send: reload refused");

            Files.writeString(conf, Files.readString(conf).replace("pinrsa, pined", "pinrsa"));
            relay.relay.reload();
            try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
                c.hello();
                String r = c.send("app@cast.works", "rcpt@example.net", "From: app@cast.works\r\n\r\nx\r\n");
                assertTrue(r.startsWith("530"), "the corrected config is applied: " + r);
            }
        }
    }

    @Test
    void allPinsRetiredRefusesTheMailRatherThanSendingItUnsigned() throws Exception {
        try (TestRelay relay = TestRelay.start(dir, PINS)) {
            store.retire(CAST, "pinrsa", Clock.systemUTC());
            store.retire(CAST, "pined", Clock.systemUTC());
            relay.relay.reload();
            try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
                c.hello();
                String r = c.send("app@cast.works", "rcpt@example.net", "From: app@cast.works\r\n\r\nx\r\n");
                assertTrue(r.startsWith("451 4.3.0"), r);
            }
            assertFalse(relay.outbox().stream().anyMatch(p -> true), "nothing delivered");
        }
    }

    /** Sends one cast.works message and returns the delivered file. */
    private static String send(TestRelay relay) throws Exception {
        int before = relay.outbox().size();
        try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
            c.hello();
            String r = c.send("app@cast.works", "rcpt@example.net", "From: app@cast.works\r\nSubject: pin\r\n\r\nx\r\n");
            assertTrue(r.startsWith("250"), r);
        }
        List<Path> out = relay.outbox();
        assertEquals(before + 1, out.size());
        return Files.readString(out.get(out.size() - 1), StandardCharsets.US_ASCII);
    }

    /** The s= of each DKIM-Signature, top first. */
    private static List<String> selectors(String message) {
        return java.util.regex.Pattern.compile("DKIM-Signature:[^\\r]*(?:\\r\\n[ \\t][^\\r]*)*")
                .matcher(message).results().map(m -> m.group().replaceAll("\\s", ""))
                .map(s -> s.replaceAll(".*;s=([^;]+);.*", "$1")).toList();
    }
}
