package works.cast.relay.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.interop.ExternalTools;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.KeyAlgorithm;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.config.ConfigLoader;
import works.cast.relay.server.config.RelayConfig;
import works.cast.relay.server.dns.DnsTxtResolver;
import works.cast.relay.server.dns.NamedServer;
import works.cast.relay.server.keys.KeyCheck;
import works.cast.relay.server.keys.KeyLifecycle;
import works.cast.relay.server.keys.RecordPublisher;
import works.cast.relay.server.queue.MutableClock;

/**
 * CNAME delegation against a real BIND named: cast.works' owner added the stable CNAMEs once
 * ({@code s1._domainkey.cast.works CNAME s1.cast.works.dkim.relay-ops.example.}); the relay's TSIG key may change
 * TXT records in dkim.relay-ops.example only, and rotation alternates between s1 and s2.
 */
class DelegationTest {

    static final Domain CAST = new Domain("cast.works");
    static final String ZONE = "dkim.relay-ops.example";

    @TempDir
    static Path shared;
    static NamedServer named;

    @TempDir
    Path dir;

    @BeforeAll
    static void startNamed() throws Exception {
        List<String> cnames = new ArrayList<>();
        for (String s : List.of("s1", "s2", "e1", "e2")) {
            cnames.add(s + "._domainkey IN CNAME " + s + ".cast.works." + ZONE + ".");
        }
        named = NamedServer.start(shared.resolve("named"), "relay-key", List.of(
                new NamedServer.Zone("cast.works", "deny relay-key subdomain cast.works. ANY;", cnames),
                new NamedServer.Zone(ZONE, "grant relay-key subdomain " + ZONE + ". TXT;", List.of())), true);
    }

    @AfterAll
    static void stopNamed() {
        if (named != null) {
            named.close();
        }
    }

    Path config() throws Exception {
        Path secret = named.writeSecret(dir.resolve("tsig.secret"), named.secret());
        return Files.writeString(dir.resolve("relay.conf"), """
                relay {
                  keys-dir = "%s"
                  dns.servers = [ "%s" ]
                  signing {
                    domains { "cast.works" { delegate-to = "%s" } }
                    dns-update { server = "%s", wait = 10s, tsig { name = relay-key, secret-file = "%s" } }
                    rotation { every = 90d, grace = 2d, remove-after = 5d }
                  }
                }
                """.formatted(dir.resolve("keys"), named.server(), ZONE, named.server(), secret));
    }

    KeysCommandTest.Run keys(Path conf, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--config", conf.toString()));
        return KeysCommandTest.keys(a.toArray(String[]::new));
    }

    @Test
    void publishesInTheDelegatedZoneAndCheckFollowsTheCname() throws Exception {
        ExternalTools.requirePython3DkimEd25519();
        Path conf = config();
        KeysCommandTest.Run dns = keys(conf, "dns", "--domain", "cast.works");
        assertEquals(0, dns.exit(), dns.err());
        for (String s : List.of("s1", "s2", "e1", "e2")) {
            assertTrue(dns.out().contains(s + "._domainkey.cast.works. IN CNAME " + s + ".cast.works." + ZONE + ".\n"),
                    dns.out());
        }

        KeysCommandTest.Run g = keys(conf, "generate", "--domain", "cast.works", "--publish", "--activate");
        assertEquals(0, g.exit(), g.err());
        assertTrue(g.out().contains("published TXT s1.cast.works." + ZONE + " at"), g.out());
        SelectorKey s1 = new KeyStore(dir.resolve("keys")).load().active(CAST).get(0);
        assertEquals("s1", s1.selector());
        assertEquals(List.of(DnsTxtRecord.value(s1.key())), named.txt("s1.cast.works." + ZONE));

        KeysCommandTest.Run check = keys(conf, "check", "--domain", "cast.works");
        assertEquals(0, check.exit(), check.out() + check.err());
        assertTrue(check.out().contains("ok (via CNAME s1._domainkey.cast.works -> s1.cast.works." + ZONE + ")"),
                check.out());

        KeysCommandTest.Run r = keys(conf, "rotate", "--domain", "cast.works", "--publish");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("published TXT s2.cast.works." + ZONE), r.out());
        KeysCommandTest.Run a = keys(conf, "activate", "--domain", "cast.works", "--selector", "s2");
        assertEquals(0, a.exit(), a.err());
        SelectorKey s2 = new KeyStore(dir.resolve("keys")).load().active(CAST).get(0);
        assertEquals("s2", s2.selector());
        KeysCommandTest.Run listed = keys(conf, "dns", "--domain", "cast.works");
        assertTrue(listed.out().contains("s2.cast.works." + ZONE + ". IN TXT ("), listed.out());

        Path signed = dir.resolve("signed.eml");
        Files.write(signed, KeysPublishTest.sign(dir, s2));
        assertEquals("0 1 [True]", KeysPublishTest.dkimpyAgainst(signed, named.port()),
                "dkimpy finds s2._domainkey.cast.works through the CNAME");
    }

    @Test
    void rotationAlternatesBetweenTheTwoStableSelectors() throws Exception {
        RelayConfig config = ConfigLoader.read(Optional.of(config()), true);
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        KeyStore store = new KeyStore(config.keysDir());
        RecordPublisher publisher = RecordPublisher.of(config.signing(),
                new KeyCheck(new DnsTxtResolver(Optional.of(named.server()), Duration.ofSeconds(1), 2)));
        List<String> failures = new ArrayList<>();
        KeyLifecycle lifecycle = new KeyLifecycle(store, clock, publisher, config.signing().rotation(), List.of(CAST),
                () -> { }, (d, step) -> failures.add(step));
        SelectorKey first = store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("e1"), true, clock);
        publisher.publish(first);

        clock.advance(Duration.ofDays(91));
        assertTrue(lifecycle.tick());
        assertEquals("e2", active(store).selector());
        clock.advance(Duration.ofDays(2));
        lifecycle.tick();
        assertEquals(List.of("v=DKIM1; p="), named.txt("e1.cast.works." + ZONE));
        clock.advance(Duration.ofDays(3));
        lifecycle.tick();
        assertEquals(List.of(), named.txt("e1.cast.works." + ZONE));

        clock.advance(Duration.ofDays(86)); // e2 is 91 days old: e1 is free again
        assertTrue(lifecycle.tick());
        SelectorKey again = active(store);
        assertEquals("e1", again.selector());
        assertEquals(List.of(DnsTxtRecord.value(again.key())), named.txt("e1.cast.works." + ZONE));
        assertEquals(SelectorState.RETIRED, store.load().selectors(CAST).stream()
                .filter(k -> k.selector().equals("e2")).findFirst().orElseThrow().state());
        assertEquals(List.of(), failures);
    }

    static SelectorKey active(KeyStore store) {
        List<SelectorKey> a = store.load().active(CAST);
        assertEquals(1, a.size(), a.toString());
        return a.get(0);
    }
}
