package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import works.cast.relay.core.dkim.SigningAlgorithm;
import works.cast.relay.core.interop.ExternalTools;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.cli.KeysCommand;
import works.cast.relay.server.dns.NamedServer;
import works.cast.relay.server.queue.MutableClock;

/**
 * The running relay with a real BIND named taking its updates: the CLI publishes and rotates with --publish while
 * the relay runs, the relay activates the published selector by itself (auto-activate), mail it signs verifies in
 * dkimpy and Mail::DKIM against named, and rotation.every rotates on its own once the relay's clock has moved on.
 */
class KeyAutomationOnRunningRelayTest {

    static final Domain CAST = new Domain("cast.works");

    @TempDir
    Path dir;

    @Test
    void publishRotateAutoActivateSignVerifyAndRotateOnItsOwn() throws Exception {
        ExternalTools.requirePython3DkimEd25519();
        ExternalTools.require("/usr/bin/perl");
        try (NamedServer named = NamedServer.start(dir.resolve("named"), "relay-key",
                List.of(NamedServer.Zone.domainKeysOnly("cast.works", "relay-key")))) {
            Path secret = named.writeSecret(dir.resolve("tsig.secret"), named.secret());
            MutableClock clock = new MutableClock(Instant.now());
            Path relayDir = Files.createDirectories(dir.resolve("relay"));
            try (TestRelay relay = TestRelay.start(relayDir, """
                    dns.servers = [ "%s" ]
                    signing {
                      domains { "cast.works" { } }
                      dns-update { server = "%s", wait = 10s, tsig { name = relay-key, secret-file = "%s" } }
                      rotation { auto-activate = true, check-interval = 200ms, every = 90d }
                    }
                    """.formatted(named.server(), named.server(), secret), clock)) {
                Path conf = relayDir.resolve("relay.conf");
                String published = keys("publish", "--domain", "cast.works", "--config", conf.toString());
                assertEquals(2, published.split("\\(added\\)", -1).length - 1, published);

                String rotated = keys("rotate", "--domain", "cast.works", "--publish", "--config", conf.toString());
                SelectorKey pending = relay.keys().selectors(CAST).stream()
                        .filter(k -> k.state() == SelectorState.PENDING).findFirst().orElseThrow(() ->
                                new AssertionError(rotated));
                await(() -> relay.keys().active(CAST).stream().anyMatch(k -> k.selector().equals(pending.selector())),
                        "the relay activates " + pending.selector() + " once its record is seen");

                Path message = signedThrough(relay);
                String text = Files.readString(message, StandardCharsets.ISO_8859_1);
                assertTrue(text.contains("s=" + pending.selector() + ";"), text);
                assertEquals("0 2 [True, True]", dkimpy(message, named));
                String mailDkim = mailDkim(message, named);
                assertTrue(mailDkim.contains("s=" + pending.selector() + " a=rsa-sha256 pass"), mailDkim);

                // 91 days on: the relay rotates both active selectors by itself, and revokes the retired ones
                List<String> before = relay.keys().active(CAST).stream().map(SelectorKey::selector).toList();
                clock.advance(Duration.ofDays(91));
                await(() -> relay.keys().active(CAST).size() == 2 && relay.keys().active(CAST).stream()
                                .map(SelectorKey::selector).noneMatch(before::contains),
                        "rotation.every rotates on its own");
                for (SelectorKey k : relay.keys().active(CAST)) {
                    assertEquals(List.of(DnsTxtRecord.value(k.key())),
                            named.txt(k.selector() + "._domainkey.cast.works"));
                }
                SelectorKey firstRsa = relay.keys().selectors(CAST).stream()
                        .filter(k -> k.state() == SelectorState.RETIRED && !k.selector().equals(pending.selector())
                                && k.key().algorithm() == SigningAlgorithm.RSA_SHA256).findFirst().orElseThrow();
                await(() -> namedTxt(named, firstRsa.selector()).isEmpty(), "the first key's record is revoked, then"
                        + " deleted once 30 days have passed since its retirement");
                assertEquals(List.of(DnsTxtRecord.value(pending.key())), namedTxt(named, pending.selector()),
                        "retired just now: its record stays for the grace period");
                assertNotEquals(pending.selector(), relay.keys().active(CAST).stream()
                        .filter(k -> k.key().algorithm() == SigningAlgorithm.RSA_SHA256).findFirst().orElseThrow()
                        .selector());
            }
        }
    }

    static String namedLog(NamedServer named) {
        try {
            return named.log();
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    static List<String> namedTxt(NamedServer named, String selector) {
        try {
            return named.txt(selector + "._domainkey.cast.works");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String keys(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new KeysCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        assertEquals(0, exit, String.join(" ", args) + ": " + err + out);
        return out.toString();
    }

    static Path signedThrough(TestRelay relay) throws Exception {
        try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
            c.hello();
            String r = c.send("app@cast.works", "rcpt@example.net", "From: app@cast.works\r\nTo: rcpt@example.net\r\n"
                    + "Subject: after rotation\r\nMessage-ID: <k1@cast.works>\r\n\r\nSigned by the new key.\r\n");
            assertTrue(r.startsWith("250"), r);
        }
        await(() -> {
            try {
                return !relay.outbox().isEmpty();
            } catch (java.io.IOException e) {
                return false;
            }
        }, "delivery to the outbox");
        return relay.outbox().get(0);
    }

    static String dkimpy(Path message, NamedServer named) throws Exception {
        return works.cast.relay.server.cli.KeysPublishTestAccess.dkimpyAgainst(message, named.port());
    }

    static String mailDkim(Path message, NamedServer named) throws Exception {
        Path script = message.resolveSibling("maildkim_verify.pl");
        try (InputStream in = KeyAutomationOnRunningRelayTest.class.getResourceAsStream("/interop/maildkim_verify.pl")) {
            Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/perl", script.toString(), NamedServer.ADDRESS,
                String.valueOf(named.port()), message.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), () -> report + "\nnamed's log:\n" + namedLog(named));
        return report;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting: " + what);
            }
            Thread.sleep(50);
        }
    }
}
