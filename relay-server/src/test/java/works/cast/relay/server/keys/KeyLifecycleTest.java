package works.cast.relay.server.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import works.cast.relay.server.dns.TxtSource;
import works.cast.relay.server.queue.MutableClock;

/**
 * The unattended lifecycle against two real BIND servers, one per domain (cast.works and castworks.co.jp live with
 * different DNS hosts and TSIG keys): rotation after rotation.every, revocation after the grace period, removal,
 * and a failing domain that keeps its key, backs off, and recovers, all on a test clock.
 */
class KeyLifecycleTest {

    static final Domain CAST = new Domain("cast.works");
    static final Domain JP = new Domain("castworks.co.jp");
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    static Path shared;
    static NamedServer castDns;
    static NamedServer jpDns;

    @TempDir
    Path dir;

    @BeforeAll
    static void startNamed() throws Exception {
        castDns = NamedServer.start(shared.resolve("cast"), "cast-key",
                List.of(NamedServer.Zone.domainKeysOnly("cast.works", "cast-key")));
        jpDns = NamedServer.start(shared.resolve("jp"), "jp-key",
                List.of(NamedServer.Zone.domainKeysOnly("castworks.co.jp", "jp-key")));
    }

    @AfterAll
    static void stopNamed() {
        for (NamedServer n : new NamedServer[] {castDns, jpDns}) {
            if (n != null) {
                n.close();
            }
        }
    }

    RelayConfig config() throws Exception {
        Path castSecret = castDns.writeSecret(dir.resolve("cast.secret"), castDns.secret());
        Path jpSecret = jpDns.writeSecret(dir.resolve("jp.secret"), jpDns.secret());
        Path conf = Files.writeString(dir.resolve("relay.conf"), """
                relay {
                  keys-dir = "%s"
                  signing {
                    domains {
                      "cast.works" { dns-update { server = "%s", wait = 10s, tsig { name = cast-key, secret-file = "%s" } } }
                      "castworks.co.jp" { dns-update { server = "%s", wait = 10s, tsig { name = jp-key, secret-file = "%s" } } }
                    }
                    rotation { every = 90d, grace = 2d, remove-after = 5d, check-interval = 1m }
                  }
                }
                """.formatted(dir.resolve("keys"), castDns.server(), castSecret, jpDns.server(), jpSecret));
        return ConfigLoader.read(Optional.of(conf), true);
    }

    /** Each domain's records read back from its own server, as a recursive resolver would find them. */
    static KeyCheck check() {
        TxtSource cast = new DnsTxtResolver(Optional.of(castDns.server()), Duration.ofSeconds(1), 2);
        TxtSource jp = new DnsTxtResolver(Optional.of(jpDns.server()), Duration.ofSeconds(1), 2);
        return new KeyCheck(name -> (name.endsWith("castworks.co.jp") ? jp : cast).lookupStrings(name));
    }

    @Test
    void domainsRotateRevokeAndRemoveOnTheirOwnAndAFailureBacksOff() throws Exception {
        RelayConfig config = config();
        MutableClock clock = new MutableClock(T0);
        KeyStore store = new KeyStore(config.keysDir());
        RecordPublisher publisher = RecordPublisher.of(config.signing(), check());
        List<String> failures = new ArrayList<>();
        int[] reloads = {0};
        KeyLifecycle lifecycle = new KeyLifecycle(store, clock, publisher, config.signing().rotation(),
                List.of(CAST, JP), () -> reloads[0]++, (d, step) -> failures.add(d + " " + step));

        SelectorKey castOld = store.generate(CAST, KeyAlgorithm.RSA_2048, Optional.of("c1"), true, clock);
        publisher.publish(castOld);
        clock.advance(Duration.ofDays(30));
        SelectorKey jpOld = store.generate(JP, KeyAlgorithm.ED25519, Optional.of("j1"), true, clock);
        publisher.publish(jpOld);

        assertFalse(lifecycle.tick(), "nothing is old enough yet");

        clock.advance(Duration.ofDays(61)); // cast.works' key is 91 days old, castworks.co.jp's 61
        assertTrue(lifecycle.tick());
        SelectorKey castNew = only(store, CAST, SelectorState.ACTIVE);
        assertNotEquals("c1", castNew.selector());
        assertEquals(SelectorState.RETIRED, find(store, CAST, "c1").state());
        assertEquals(List.of(DnsTxtRecord.value(castNew.key())), castDns.txt(castNew.selector() + "._domainkey.cast.works"));
        assertEquals(List.of(DnsTxtRecord.value(castOld.key())), castDns.txt("c1._domainkey.cast.works"),
                "the old record stays for the grace period");
        assertEquals("j1", only(store, JP, SelectorState.ACTIVE).selector(), "castworks.co.jp rotates on its own");

        clock.advance(Duration.ofDays(1));
        assertFalse(lifecycle.tick(), "still in the grace period");
        clock.advance(Duration.ofDays(1));
        assertTrue(lifecycle.tick());
        assertEquals(List.of("v=DKIM1; p="), castDns.txt("c1._domainkey.cast.works"));
        assertTrue(find(store, CAST, "c1").revoked().isPresent());

        clock.advance(Duration.ofDays(3));
        assertTrue(lifecycle.tick());
        assertEquals(List.of(), castDns.txt("c1._domainkey.cast.works"));
        assertTrue(find(store, CAST, "c1").removed().isPresent());
        assertEquals(List.of(DnsTxtRecord.value(castNew.key())), castDns.txt(castNew.selector() + "._domainkey.cast.works"));

        // castworks.co.jp is due now, but its TSIG secret is wrong: its key keeps signing, nothing is left behind
        clock.advance(Duration.ofDays(30));
        Path jpSecret = dir.resolve("jp.secret");
        jpDns.writeSecret(jpSecret, "d3Jvbmcgc2VjcmV0IGZvciB0aGUganAgem9uZQ==");
        lifecycle.tick();
        assertEquals(List.of("castworks.co.jp publish"), failures);
        assertEquals("j1", only(store, JP, SelectorState.ACTIVE).selector());
        assertEquals(1, store.load().selectors(JP).size(), "no half-made selector in the store");
        lifecycle.tick();
        assertEquals(1, failures.size(), "no new attempt before the backoff has passed");

        jpDns.writeSecret(jpSecret, jpDns.secret());
        clock.advance(Duration.ofMinutes(1));
        assertTrue(lifecycle.tick());
        SelectorKey jpNew = only(store, JP, SelectorState.ACTIVE);
        assertNotEquals("j1", jpNew.selector());
        assertEquals(List.of(DnsTxtRecord.value(jpNew.key())),
                jpDns.txt(jpNew.selector() + "._domainkey.castworks.co.jp"));
        assertEquals(castNew.selector(), only(store, CAST, SelectorState.ACTIVE).selector(),
                "cast.works is not touched by castworks.co.jp's rotation");
        assertTrue(reloads[0] >= 4);
    }

    @Test
    void aRetiredSelectorWhoseRecordIsAlreadyGoneIsMarkedRemovedWithoutAFailure() throws Exception {
        RelayConfig config = config();
        MutableClock clock = new MutableClock(T0);
        KeyStore store = new KeyStore(config.keysDir());
        RecordPublisher publisher = RecordPublisher.of(config.signing(), check());
        List<String> failures = new ArrayList<>();
        KeyLifecycle lifecycle = new KeyLifecycle(store, clock, publisher, config.signing().rotation(), List.of(CAST),
                () -> { }, (d, step) -> failures.add(step));
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("byhand"), true, clock); // never published
        publisher.publish(store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("next"), false, clock));
        store.activate(CAST, "next", clock);
        clock.advance(Duration.ofDays(3));
        assertTrue(lifecycle.tick());
        SelectorKey k = find(store, CAST, "byhand");
        assertTrue(k.revoked().isPresent() && k.removed().isPresent(), k.toString());
        assertEquals(List.of(), castDns.txt("byhand._domainkey.cast.works"), "nothing was added");
        assertEquals(List.of(), failures);
    }

    static SelectorKey only(KeyStore store, Domain d, SelectorState state) {
        List<SelectorKey> keys = store.load().selectors(d).stream().filter(k -> k.state() == state).toList();
        assertEquals(1, keys.size(), keys.toString());
        return keys.get(0);
    }

    static SelectorKey find(KeyStore store, Domain d, String selector) {
        return store.load().selectors(d).stream().filter(k -> k.selector().equals(selector)).findFirst().orElseThrow();
    }
}
