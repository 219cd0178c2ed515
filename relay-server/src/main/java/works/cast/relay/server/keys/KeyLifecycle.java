package works.cast.relay.server.keys;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.keys.KeyAlgorithm;
import works.cast.relay.core.keys.KeyException;
import works.cast.relay.core.keys.KeyRing;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.config.RelayConfig;
import works.cast.relay.server.config.RotationConfig;
import works.cast.relay.server.config.SigningConfig;
import works.cast.relay.server.dns.DnsClient;
import works.cast.relay.server.dns.DnsServers;
import works.cast.relay.server.dns.DnsTxtResolver;

/**
 * The unattended key lifecycle of the domains whose records the relay can publish (dns-update): each active
 * selector older than {@code rotation.every} is replaced (generate, publish, wait for the record, activate, which
 * retires the old one); a retired selector's record becomes {@code v=DKIM1; p=} after {@code rotation.grace}
 * (RFC 6376 section 3.6.1) and is deleted after {@code rotation.remove-after}, both counted from retirement.
 *
 * <p>Domains go their own way: a failure in one (logged at WARN, counted, retried with doubling backoff from
 * {@code check-interval} up to {@link #MAX_BACKOFF}) leaves its current key signing and the others untouched.
 * A delegated domain alternates between two stable selector names ({@link StableSelectors}), so the CNAMEs its owner
 * added once never change. One daemon thread; {@link #tick} may also be called directly (tests, with their clock).
 */
public final class KeyLifecycle implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KeyLifecycle.class);

    /** The longest wait before a failed domain is tried again. */
    public static final Duration MAX_BACKOFF = Duration.ofHours(6);

    private record Failure(int count, Instant next) {
    }

    private final KeyStore store;
    private final Clock clock;
    private final Runnable onChange;
    private final BiConsumer<String, String> onFailure;
    private final Map<String, Failure> failures = new HashMap<>();
    private volatile RecordPublisher publisher;
    private volatile RotationConfig rotation;
    private volatile List<Domain> domains;
    private ScheduledExecutorService scheduler;

    /**
     * @param onChange  run after the store changed (the relay reloads its key ring)
     * @param onFailure told the domain and step of each failure (for the metric)
     */
    public KeyLifecycle(KeyStore store, Clock clock, RecordPublisher publisher, RotationConfig rotation,
                        List<Domain> domains, Runnable onChange, BiConsumer<String, String> onFailure) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.onChange = Objects.requireNonNull(onChange, "onChange");
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
        update(publisher, rotation, domains);
    }

    /**
     * The lifecycle of a relay that can publish the records of at least one of its domains (dns-update), reading them
     * back through relay.dns.servers; empty when it can publish none.
     */
    public static Optional<KeyLifecycle> forRelay(RelayConfig config, KeyStore store, Clock clock, Runnable onChange,
                                                  BiConsumer<String, String> onFailure) {
        RecordPublisher publisher = publisher(config.signing(), config.dns());
        List<Domain> domains = domains(config);
        if (domains.stream().noneMatch(d -> publisher.canPublish(d.name()))) {
            return Optional.empty();
        }
        return Optional.of(new KeyLifecycle(store, clock, publisher, config.signing().rotation(), domains, onChange,
                onFailure));
    }

    /**
     * A config reload: new rotation settings and DNS servers to read records back from; dns-update and delegate-to
     * stay those of {@code running} (they need a restart, as the reload log says).
     */
    public void reload(RelayConfig running, RelayConfig fresh) {
        update(publisher(running.signing(), fresh.dns()), fresh.signing().rotation(), domains(running));
    }

    private static RecordPublisher publisher(SigningConfig signing, DnsServers dns) {
        return RecordPublisher.of(signing, new KeyCheck(new DnsTxtResolver(DnsClient.of(dns))));
    }

    private static List<Domain> domains(RelayConfig config) {
        return config.signing().domains().keySet().stream().map(Domain::new).toList();
    }

    /** New settings (a config reload); failures keep their backoff. */
    public void update(RecordPublisher nextPublisher, RotationConfig nextRotation, List<Domain> nextDomains) {
        this.publisher = Objects.requireNonNull(nextPublisher, "publisher");
        this.rotation = Objects.requireNonNull(nextRotation, "rotation");
        this.domains = List.copyOf(nextDomains);
        if (nextRotation.grace().compareTo(RotationConfig.RECOMMENDED_GRACE) < 0) {
            log.warn("signing.rotation.grace={} is under 7 days: mail signed just before a switch and verified"
                    + " again later (forwarding, archives, queued retries) may fail once the old record is revoked",
                    nextRotation.grace());
        }
    }

    /** Runs {@link #tick} every check-interval on a daemon thread. */
    public synchronized void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("key-lifecycle", true));
        long every = rotation.checkInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::tickQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.error("key lifecycle round failed error=\"{}\"", e.toString());
        }
    }

    /** One round over every domain the relay can publish for; returns whether the store changed. */
    public synchronized boolean tick() {
        KeyRing ring = store.load();
        Instant now = clock.instant();
        boolean changed = false;
        for (Domain d : domains) {
            if (!publisher.canPublish(d.name())) {
                continue;
            }
            Failure f = failures.get(d.name());
            if (f != null && now.isBefore(f.next())) {
                continue;
            }
            String[] step = {"load"};
            try {
                changed |= rotate(d, ring, now, step);
                changed |= retireRecords(d, ring, now, step);
                if (failures.remove(d.name()) != null) {
                    log.info("key lifecycle recovered domain={}", d);
                }
            } catch (DnsUpdateException | KeyException e) {
                int count = f == null ? 1 : f.count() + 1;
                Duration wait = backoff(count);
                failures.put(d.name(), new Failure(count, now.plus(wait)));
                onFailure.accept(d.name(), step[0]);
                log.warn("key lifecycle failed domain={} step={} attempt={} retry_in={} current keys keep signing:"
                        + " {}", d, step[0], count, wait, e.getMessage());
                changed = true; // a rotation may have written part of its work; reload to be sure
            }
        }
        if (changed) {
            onChange.run();
        }
        return changed;
    }

    private Duration backoff(int count) {
        Duration d = rotation.checkInterval().multipliedBy(1L << Math.min(count - 1, 20));
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    private boolean rotate(Domain d, KeyRing ring, Instant now, String[] step) {
        Optional<Duration> every = rotation.every();
        if (every.isEmpty()) {
            return false;
        }
        boolean changed = false;
        for (SelectorKey old : ring.active(d)) {
            Instant since = old.activated().orElse(old.created());
            if (Duration.between(since, now).compareTo(every.get()) < 0) {
                continue;
            }
            KeyAlgorithm algorithm = KeyAlgorithm.of(old.key());
            Optional<SelectorKey> pending = ring.selectors(d).stream().filter(k -> k.state() == SelectorState.PENDING
                    && k.key().algorithm() == old.key().algorithm()).findFirst();
            SelectorKey next;
            boolean stored = pending.isPresent();
            if (stored) {
                next = pending.get();
                log.info("key rotation domain={} step=generate selector={} reuse=pending", d, next.selector());
            } else {
                step[0] = "generate";
                Optional<String> name = stableName(d, ring, old);
                if (publisher.isDelegated(d.name()) && name.isEmpty()) {
                    continue;
                }
                next = store.prepareRotation(d, algorithm, name, clock);
                log.info("key rotation domain={} step=generate selector={} algorithm={} replaces={} age_days={}", d,
                        next.selector(), algorithm.text(), old.selector(),
                        Duration.between(since, now).toDays());
            }
            step[0] = "publish";
            RecordPublisher.Published p = publisher.publish(next);
            log.info("key rotation domain={} step=publish selector={} name={} server={} seen_after_ms={}", d,
                    next.selector(), p.name(), p.server(), p.seenAfter().toMillis());
            step[0] = "activate";
            KeyStore.Activation a;
            if (stored) {
                a = store.activate(d, next.selector(), clock);
            } else {
                try {
                    a = new KeyStore.Activation(store.add(next, true), List.of(old));
                } catch (RuntimeException e) {
                    publisher.withdraw(next);
                    throw e;
                }
            }
            log.info("key rotation domain={} step=activate selector={}", d, a.activated().selector());
            log.info("key rotation domain={} step=retire selector={} record_revoked_after={} removed_after={}", d,
                    old.selector(), rotation.grace(), rotation.removeAfter());
            changed = true;
        }
        return changed;
    }

    /** For a delegated domain, the stable name the new key takes; empty (and a WARN) while both are in use. */
    private Optional<String> stableName(Domain d, KeyRing ring, SelectorKey old) {
        if (!publisher.isDelegated(d.name())) {
            return Optional.empty();
        }
        KeyAlgorithm algorithm = KeyAlgorithm.of(old.key());
        Optional<String> name = StableSelectors.next(store, ring, d, algorithm);
        if (name.isEmpty()) {
            log.warn("key rotation domain={} waits: both stable selectors {} are in use (a retired one's record is"
                    + " removed rotation.remove-after={} after retirement)", d, StableSelectors.names(algorithm),
                    rotation.removeAfter());
        }
        return name;
    }

    private boolean retireRecords(Domain d, KeyRing ring, Instant now, String[] step) {
        boolean changed = false;
        for (SelectorKey k : ring.selectors(d)) {
            if (k.state() != SelectorState.RETIRED || k.retired().isEmpty() || k.removed().isPresent()) {
                continue;
            }
            Instant retired = k.retired().get();
            if (k.revoked().isEmpty() && !now.isBefore(retired.plus(rotation.grace()))) {
                step[0] = "revoke";
                DnsUpdater.Outcome o = publisher.revoke(k);
                store.markRevoked(d, k.selector(), clock);
                if (o == DnsUpdater.Outcome.ABSENT) {
                    // removed by someone already (by hand, before the relay published): nothing left to do
                    store.markRemoved(d, k.selector(), clock);
                }
                log.info("key record revoked domain={} selector={} name={} record=\"{}\" outcome={}", d, k.selector(),
                        publisher.recordName(k.selector(), d.name()), RecordPublisher.REVOKED, o);
                changed = true;
            } else if (k.revoked().isPresent() && !now.isBefore(retired.plus(rotation.removeAfter()))) {
                step[0] = "remove";
                DnsUpdater.Outcome o = publisher.remove(k);
                store.markRemoved(d, k.selector(), clock);
                log.info("key record removed domain={} selector={} name={} outcome={}", d, k.selector(),
                        publisher.recordName(k.selector(), d.name()), o);
                changed = true;
            }
        }
        return changed;
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
