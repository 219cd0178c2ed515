package works.cast.relay.server.ops;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import works.cast.relay.core.keys.KeyRing;
import works.cast.relay.server.config.TlsConfig;
import works.cast.relay.server.sender.DomainReport;

/**
 * What the console reads, handed over by the relay's wiring; every supplier is asked on the management worker
 * thread at each request and must be thread-safe.
 *
 * @param hostname     the relay's name
 * @param version      the relay's version
 * @param started      when the relay started
 * @param rsaProvider  which provider makes RSA signatures
 * @param bodyScan     the relaxed body scan in use (vector or portable)
 * @param delivery     the delivery mode
 * @param domains      the configured signing domains
 * @param keys         the key store snapshot in use
 * @param senderChecks the last sender check report per domain (empty when off or not run yet)
 * @param lastCheck    when the last round of sender checks ended
 * @param queueDir     the queue directory, when the relay queues
 * @param tlsProfile   the configured server TLS profile
 */
public record ConsoleSources(String hostname, String version, Instant started, String rsaProvider, String bodyScan,
                             String delivery, List<String> domains, Supplier<KeyRing> keys,
                             Supplier<Map<String, DomainReport>> senderChecks, Supplier<Optional<Instant>> lastCheck,
                             Optional<Path> queueDir, TlsConfig.Profile tlsProfile) {

    public ConsoleSources {
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(started, "started");
        Objects.requireNonNull(rsaProvider, "rsaProvider");
        Objects.requireNonNull(bodyScan, "bodyScan");
        Objects.requireNonNull(delivery, "delivery");
        domains = List.copyOf(domains);
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(senderChecks, "senderChecks");
        Objects.requireNonNull(lastCheck, "lastCheck");
        Objects.requireNonNull(queueDir, "queueDir");
        Objects.requireNonNull(tlsProfile, "tlsProfile");
    }
}
