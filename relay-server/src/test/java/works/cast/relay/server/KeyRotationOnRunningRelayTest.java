package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import works.cast.relay.core.interop.ExternalTools;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.cli.Main;
import works.cast.relay.server.dns.Dnsmasq;

/**
 * The whole key rotation on a running relay, with a real DNS server on loopback: rotate, check fails until the
 * record is published, activate, the next message signs with the new selector and verifies in dkimpy against the DNS
 * server, mail signed before still verifies with the old record, retire. A client keeps sending throughout and no
 * submission fails; castworks.co.jp keeps its own selectors.
 */
class KeyRotationOnRunningRelayTest {

    static final Domain CAST = new Domain("cast.works");
    static final Domain JP = new Domain("castworks.co.jp");

    @TempDir
    Path dir;

    private int keys(String... args) {
        List<String> all = new ArrayList<>(List.of("keys"));
        all.add(args[0]);
        all.addAll(List.of(args).subList(1, args.length));
        all.addAll(List.of("--keys-dir", dir.resolve("keys").toString()));
        return Main.commandLine().execute(all.toArray(String[]::new));
    }

    private static List<Dnsmasq.Txt> records(List<SelectorKey> keys) {
        List<Dnsmasq.Txt> out = new ArrayList<>();
        for (SelectorKey k : keys) {
            if (k.state() != SelectorState.PENDING || published.contains(k.selector())) {
                out.add(new Dnsmasq.Txt(DnsTxtRecord.owner(k.selector(), k.domain().name()),
                        DnsTxtRecord.split(DnsTxtRecord.value(k.key())).stream().map(s -> s.replace(",", "")).toList()));
            }
        }
        return out;
    }

    static final List<String> published = new ArrayList<>();

    /** dkimpy verifies with keys looked up at the DNS server on loopback (dnspython pointed at it). */
    private static String dkimpyAgainstDns(Path message, Dnsmasq dns) throws Exception {
        String script = """
                import sys, dkim, dns.resolver
                r = dns.resolver.Resolver(configure=False)
                r.nameservers = ["%s"]; r.port = %d
                def lookup(name, timeout=5):
                    name = name.decode() if isinstance(name, bytes) else name
                    try:
                        a = r.resolve(name.rstrip("."), "TXT")
                    except Exception:
                        return None
                    return b"".join(b"".join(x.strings) for x in a[:1])
                m = open(sys.argv[1], "rb").read()
                d = dkim.DKIM(m)
                n = len([h for h in d.headers if h[0].lower() == b"dkim-signature"])
                ok = [d.verify(idx=i, dnsfunc=lookup) for i in range(n)]
                print(n, ok)
                sys.exit(0 if n and all(ok) else 1)
                """.formatted(Dnsmasq.ADDRESS, dns.port());
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, message.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return p.exitValue() + " " + out;
    }

    @Test
    void rotateWhileSending() throws Exception {
        ExternalTools.requirePython3DkimEd25519();
        Dnsmasq.requireTool(Dnsmasq.BINARY, "dnsmasq");
        published.clear();
        try (TestRelay relay = TestRelay.start(dir, "")) {
            List<SelectorKey> before = relay.keys().all();
            SelectorKey oldRsa = relay.keys().active(CAST).get(0);
            List<SelectorKey> jpBefore = relay.keys().active(JP);
            Dnsmasq dns = Dnsmasq.start(records(before), List.of("cast.works", "castworks.co.jp"));
            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicInteger sent = new AtomicInteger();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread client = new Thread(() -> {
                for (int i = 0; i < 10_000 && sending.get(); i++) {
                    try {
                        String r = send(relay.port(), i % 2 == 0 ? "cast.works" : "castworks.co.jp");
                        if (r.startsWith("250")) {
                            sent.incrementAndGet();
                        } else {
                            failures.add(r);
                        }
                    } catch (IOException e) {
                        failures.add(e.toString());
                    }
                }
            });
            client.start();
            try {
                Path oldSigned = waitForMessageSignedBy(relay, oldRsa.selector());

                assertEquals(0, keys("rotate", "--domain", "cast.works", "--algorithm", "rsa-2048"));
                SelectorKey pending = relay.keys().selectors(CAST).stream()
                        .filter(k -> k.state() == SelectorState.PENDING).findFirst().orElseThrow();
                assertNotEquals(0, keys("check", "--domain", "cast.works", "--dns", dns.server()), "not published yet");
                assertNotEquals(0, keys("activate", "--domain", "cast.works", "--selector", pending.selector(),
                        "--dns", dns.server()), "activation waits for the record");

                published.add(pending.selector());
                dns.close();
                dns = Dnsmasq.start(records(relay.keys().all()), List.of("cast.works", "castworks.co.jp"));
                assertEquals(0, keys("check", "--domain", "cast.works", "--dns", dns.server()));
                assertEquals(0, keys("activate", "--domain", "cast.works", "--selector", pending.selector(),
                        "--dns", dns.server()));

                Path newSigned = waitForMessageSignedBy(relay, pending.selector());
                String fresh = dkimpyAgainstDns(newSigned, dns);
                assertTrue(fresh.startsWith("0 "), "new selector verifies: " + fresh);
                String old = dkimpyAgainstDns(oldSigned, dns);
                assertTrue(old.startsWith("0 "), "mail signed before the rotation still verifies: " + old);

                assertEquals(SelectorState.RETIRED, state(relay, oldRsa.selector()), "activation retired the old RSA");
                assertEquals(0, keys("retire", "--domain", "cast.works", "--selector", oldRsa.selector()),
                        "retiring again is harmless");
                assertEquals(names(jpBefore), names(relay.keys().active(JP)), "castworks.co.jp keeps its own selectors");
            } finally {
                sending.set(false);
                client.join(60_000);
                dns.close();
            }
            assertEquals(List.of(), failures, "no submission failed during the rotation");
            assertTrue(sent.get() > 10, "messages sent: " + sent.get());
        }
    }

    private static List<String> names(List<SelectorKey> keys) {
        return keys.stream().map(k -> k.selector() + "/" + k.state()).toList();
    }

    private static SelectorState state(TestRelay relay, String selector) {
        return relay.keys().selectors(CAST).stream().filter(k -> k.selector().equals(selector)).findFirst()
                .orElseThrow().state();
    }

    /** Waits (bounded) for a cast.works message in the outbox signed with the selector. */
    private static Path waitForMessageSignedBy(TestRelay relay, String selector) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            List<Path> out = relay.outbox();
            for (int i = out.size() - 1; i >= Math.max(0, out.size() - 20); i--) {
                String text = Files.readString(out.get(i), StandardCharsets.ISO_8859_1);
                if (text.contains("d=cast.works;") && text.contains("s=" + selector + ";")) {
                    return out.get(i);
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no message signed by " + selector + " within 30 s");
    }

    private static String send(int port, String domain) throws IOException {
        try (SmtpTestClient c = new SmtpTestClient(port)) {
            c.hello();
            return c.send("app@" + domain, "rcpt@example.net", "From: app@" + domain + "\r\nSubject: rotation\r\n\r\nbody\r\n");
        }
    }
}
