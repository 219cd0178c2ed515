package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.KeyAlgorithm;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.dns.Dnsmasq;

/**
 * {@code signing.rotation} on the packaged relay: with {@code auto-activate = true} a pending selector becomes
 * active within {@code check-interval} of its record appearing at the server of {@code relay.dns.servers}, with no
 * command and no restart; {@code max-age} logs the warning for older keys; a SIGHUP takes new rotation settings.
 */
class AutoActivationIT {

    static final Domain CAST = new Domain("cast.works");

    @Test
    void pendingSelectorActivatesWhenItsRecordAppears(@TempDir Path dir) throws Exception {
        KeyStore store = new KeyStore(dir.resolve("keys"));
        store.ensureDevelopmentKeys(List.of(CAST, new Domain("castworks.co.jp")), Clock.systemUTC());
        SelectorKey pending = store.rotate(CAST, KeyAlgorithm.ED25519, Clock.systemUTC());
        Dnsmasq dns = Dnsmasq.start(List.of(), List.of("cast.works"));
        try {
            int port = RelayProcess.freePort();
            String rotation = "signing.rotation { auto-activate = true, check-interval = 1s, max-age = 1s }\n"
                    + "dns.servers = [ \"" + dns.server() + "\" ]\n";
            Path conf = RelayProcess.writeConfig(dir, port, rotation);
            try (RelayProcess relay = new RelayProcess(dir, conf, List.of("-Xmx128m")).start(port)) {
                waitForLog(relay, "key too old key=cast.works/", Duration.ofSeconds(20));
                assertEquals(SelectorState.PENDING, state(store, pending), "no record published yet");

                dns.close();
                dns = Dnsmasq.start(List.of(new Dnsmasq.Txt(DnsTxtRecord.owner(pending.selector(), "cast.works"),
                        DnsTxtRecord.split(DnsTxtRecord.value(pending.key())))), List.of("cast.works"), dns.port());
                long published = System.nanoTime();
                waitForLog(relay, "key activated domain=cast.works selector=" + pending.selector(),
                        Duration.ofSeconds(15));
                Duration took = Duration.ofNanos(System.nanoTime() - published);
                assertTrue(took.compareTo(Duration.ofSeconds(4)) < 0, "activated within the interval: " + took);
                assertEquals(SelectorState.ACTIVE, state(store, pending));

                Files.writeString(conf, Files.readString(conf).replace(rotation,
                        "signing.rotation { auto-activate = false, check-interval = 2s, max-age = 3650d }\n"
                                + "dns.servers = [ \"" + dns.server() + "\" ]\n"));
                relay.signal("HUP");
                waitForLog(relay, "key store checks auto-activate=false check-interval=PT2S max-age=PT87600H",
                        Duration.ofSeconds(20));
                waitForLog(relay, "reload config applied=[signing.rotation", Duration.ofSeconds(20));
            }
        } finally {
            dns.close();
        }
    }

    private static SelectorState state(KeyStore store, SelectorKey k) {
        return store.load().selectors(CAST).stream().filter(s -> s.selector().equals(k.selector())).findFirst()
                .orElseThrow().state();
    }

    private static void waitForLog(RelayProcess relay, String text, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!relay.logText().contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(relay.logText().contains(text), "log has \"" + text + "\":\n" + relay.logText());
    }
}
