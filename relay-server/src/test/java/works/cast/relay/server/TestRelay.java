package works.cast.relay.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.KeyRing;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.server.config.ConfigLoader;
import works.cast.relay.server.config.RelayConfig;

/**
 * A relay started in-process for tests: its own directory (keys, outbox, queue), port 0 listeners, and the DNS
 * records of its keys for verifiers.
 */
public final class TestRelay implements AutoCloseable {

    public final Path dir;
    public final Relay relay;
    public final RelayConfig config;

    private TestRelay(Path dir, Relay relay, RelayConfig config) {
        this.dir = dir;
        this.relay = relay;
        this.config = config;
    }

    /**
     * Starts a relay whose config is {@code extra} (HOCON inside {@code relay { }}) over test defaults: one plain
     * listener on 127.0.0.1 port 0, development keys for cast.works and castworks.co.jp, directory delivery.
     */
    public static TestRelay start(Path dir, String extra) throws IOException {
        return start(dir, extra, Clock.systemUTC());
    }

    /** As {@link #start(Path, String)}, on the given clock (signature times, retries, rate limits). */
    public static TestRelay start(Path dir, String extra, Clock clock) throws IOException {
        String conf = "relay {\n"
                + "  hostname = \"relay.test\"\n"
                + "  smtp.listen = [ { address = \"127.0.0.1\", port = 0, tls = none } ]\n"
                + "  keys-dir = \"" + dir.resolve("keys") + "\"\n"
                + "  signing.development-keys = true\n"
                + "  delivery { mode = directory, directory = \"" + dir.resolve("outbox") + "\" }\n"
                + "  queue.dir = \"" + dir.resolve("queue") + "\"\n"
                + "  http.enabled = false\n"
                + "  sender-checks.enabled = false\n"
                + extra + "\n}\n";
        Path file = dir.resolve("relay.conf");
        Files.writeString(file, conf, StandardCharsets.UTF_8);
        RelayConfig config = ConfigLoader.read(Optional.of(file), true);
        return new TestRelay(dir, Relay.start(config, clock), config);
    }

    public int port() {
        return relay.smtpPorts().get(0);
    }

    public int port(int listener) {
        return relay.smtpPorts().get(listener);
    }

    public KeyRing keys() {
        return new KeyStore(config.keysDir()).load();
    }

    /** The TXT records of every selector, as a verifier's key map. */
    public Map<String, String> dnsRecords() {
        Map<String, String> m = new HashMap<>();
        for (SelectorKey k : keys().all()) {
            m.put(DnsTxtRecord.owner(k.selector(), k.domain().name()), DnsTxtRecord.value(k.key()));
        }
        return m;
    }

    /** The .eml files delivered so far, oldest first. */
    public List<Path> outbox() throws IOException {
        Path out = dir.resolve("outbox");
        if (!Files.isDirectory(out)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(out)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".eml") && !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
    }

    @Override
    public void close() {
        relay.stop(Duration.ofSeconds(5));
    }
}
