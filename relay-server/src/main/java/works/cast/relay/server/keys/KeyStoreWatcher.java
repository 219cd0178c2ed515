package works.cast.relay.server.keys;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.dkim.SigningAlgorithm;
import works.cast.relay.core.keys.AtomicFiles;
import works.cast.relay.core.keys.KeyException;
import works.cast.relay.core.keys.KeyRing;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.KeyStoreException;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.keys.SigningKey;

/**
 * Keeps the relay's current {@link KeyRing}: loads the key store at start, reloads it when files change (a watch on
 * the keys directory and each domain directory, debounced) or on {@link #reload()} (SIGHUP), and keeps the previous
 * ring when the store is broken. Optionally activates pending selectors once their DNS record matches (RFC 6376
 * section 3.6.2), and warns about active keys older than a maximum age.
 *
 * <p>A store mounted the way Kubernetes mounts a secret (the files in a timestamped directory reached through a
 * {@code ..data} symlink that is swapped atomically, the domain entries symlinks through it) is followed as well:
 * the swap is a change in the top directory, and after each reload the domain directories are watched again at
 * whatever they now resolve to. Names starting with a dot are never read as domains.
 *
 * <pre>
 * KeyStoreWatcher w = new KeyStoreWatcher(new KeyStore(keysDir), Clock.systemUTC(), KeyStoreWatcher.Options.none());
 * w.start();                      // throws KeyStoreException when the store is broken at start
 * Supplier&lt;KeyRing&gt; keys = w.ring(); // hand to the signing policy
 * ...  w.reload();  // on SIGHUP      w.close();  // at shutdown
 * </pre>
 * Thread-safe. Watch and checks run on two daemon threads of their own.
 */
public final class KeyStoreWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KeyStoreWatcher.class);
    private static final Duration DEBOUNCE = Duration.ofMillis(200);

    /**
     * What the watcher does besides reloading.
     *
     * @param autoActivate  when present, the check used to activate pending selectors whose record matches
     * @param checkInterval how often to run auto-activation and the age check
     * @param maxAge        when present, active keys older than this are logged at WARN
     */
    public record Options(Optional<KeyCheck> autoActivate, Duration checkInterval, Optional<Duration> maxAge) {
        public Options {
            Objects.requireNonNull(autoActivate, "autoActivate");
            Objects.requireNonNull(maxAge, "maxAge");
            if (checkInterval.isNegative() || checkInterval.isZero()) {
                throw new IllegalArgumentException("check-interval: must be positive");
            }
        }

        /** Reload only; no auto-activation, no age warnings. */
        public static Options none() {
            return new Options(Optional.empty(), Duration.ofHours(1), Optional.empty());
        }
    }

    private final KeyStore store;
    private final Clock clock;
    private volatile Options options;
    private final AtomicReference<KeyRing> ring = new AtomicReference<>(KeyRing.empty());
    private final Object reloadLock = new Object();
    private volatile WatchService watcher;
    private volatile ScheduledExecutorService scheduler;
    private ScheduledFuture<?> checks;

    public KeyStoreWatcher(KeyStore store, Clock clock, Options options) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** RSA keys under 2048 bits still sign (RFC 8301 allows 1024) but receivers increasingly distrust them. */
    private static void warnSmallKeys(KeyRing keys) {
        for (SelectorKey k : keys.all()) {
            if (k.state() == SelectorState.ACTIVE && k.key().algorithm() == SigningAlgorithm.RSA_SHA256
                    && k.key().bits() < SigningKey.RECOMMENDED_RSA_BITS) {
                log.warn("weak key domain={} selector={} bits={}: rotate to rsa-2048 or larger "
                        + "(dkim-relay keys rotate --domain {} --algorithm rsa-2048)", k.domain(), k.selector(),
                        k.key().bits(), k.domain());
            }
        }
    }

    /** Loads the store (failing when it is broken) and starts watching and the periodic checks. */
    public void start() {
        ring.set(store.load());
        log.info("key store loaded dir={} selectors={} active={}", store.dir(), ring.get().all().size(), activeCount());
        warnSmallKeys(ring.get());
        checkAges();
        try {
            AtomicFiles.createDirectory(store.dir());
            watcher = FileSystems.getDefault().newWatchService();
            registerAll();
        } catch (IOException e) {
            throw new KeyException("cannot watch " + store.dir() + ": " + e.getMessage(), e);
        }
        new DefaultThreadFactory("key-store-watch", true).newThread(this::watchLoop).start();
        scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("key-store-check", true));
        schedule(options);
    }

    /**
     * Takes new options (a reload of {@code signing.rotation} or {@code relay.dns.servers}): the periodic checks
     * restart with the new interval, the first one after it.
     */
    public void update(Options next) {
        Objects.requireNonNull(next, "options");
        log.info("key store checks auto-activate={} check-interval={} max-age={}", next.autoActivate().isPresent(),
                next.checkInterval(), next.maxAge().map(Object::toString).orElse("none"));
        options = next;
        if (scheduler != null) {
            schedule(next);
        }
    }

    private synchronized void schedule(Options o) {
        if (checks != null) {
            checks.cancel(false);
            checks = null;
        }
        if (o.autoActivate().isPresent() || o.maxAge().isPresent()) {
            long every = o.checkInterval().toMillis();
            checks = scheduler.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** The current ring; each call returns the latest snapshot. */
    public Supplier<KeyRing> ring() {
        return ring::get;
    }

    /** Reloads now; returns false (and keeps the previous ring) when the store is broken. */
    public boolean reload() {
        synchronized (reloadLock) {
            try {
                KeyRing next = store.load();
                ring.set(next);
                log.info("key store reloaded dir={} selectors={} active={}", store.dir(), next.all().size(),
                        activeCount());
                warnSmallKeys(next);
                checkAges();
                return true;
            } catch (KeyStoreException e) {
                log.error("key store reload refused dir={} problems={} keeping=previous\n  {}", store.dir(),
                        e.problems().size(), String.join("\n  ", e.problems()));
                return false;
            } catch (KeyException | java.io.UncheckedIOException e) {
                log.error("key store reload refused dir={} error=\"{}\" keeping=previous", store.dir(), e.getMessage());
                return false;
            }
        }
    }

    /** The age of each active selector, keyed {@code domain/selector}, from its activation (or creation). */
    public Map<String, Duration> activeKeyAges() {
        Map<String, Duration> ages = new LinkedHashMap<>();
        for (SelectorKey k : ring.get().all()) {
            if (k.state() == SelectorState.ACTIVE) {
                ages.put(k.domain() + "/" + k.selector(),
                        Duration.between(k.activated().orElse(k.created()), clock.instant()));
            }
        }
        return ages;
    }

    /** One round of the periodic work: auto-activation of matching pending selectors, then the age check. */
    public void tick() {
        try {
            options.autoActivate().ifPresent(this::autoActivate);
            checkAges();
        } catch (RuntimeException e) {
            log.error("key store check failed dir={} error=\"{}\"", store.dir(), e.toString());
        }
    }

    private void autoActivate(KeyCheck check) {
        boolean changed = false;
        for (SelectorKey k : ring.get().all()) {
            if (k.state() != SelectorState.PENDING) {
                continue;
            }
            KeyCheck.Result r = check.check(k);
            if (r.matches()) {
                KeyStore.Activation a = store.activate(k.domain(), k.selector(), clock);
                log.info("key activated domain={} selector={} algorithm={} retired={} reason=dns-record-matches",
                        k.domain(), k.selector(), k.key().algorithm().tagValue(),
                        a.retired().stream().map(SelectorKey::selector).toList());
                changed = true;
            } else {
                log.debug("key pending domain={} selector={} dns={} detail=\"{}\"", k.domain(), k.selector(),
                        r.status().text(), r.detail());
            }
        }
        if (changed) {
            reload();
        }
    }

    private void checkAges() {
        options.maxAge().ifPresent(max -> activeKeyAges().forEach((key, age) -> {
            if (age.compareTo(max) > 0) {
                log.warn("key too old key={} age_days={} max_age_days={} action=\"dkim-relay keys rotate --domain {}\"",
                        key, age.toDays(), max.toDays(), key.substring(0, key.indexOf('/')));
            }
        }));
    }

    private long activeCount() {
        return ring.get().all().stream().filter(k -> k.state() == SelectorState.ACTIVE).count();
    }

    private void watchLoop() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                boolean changed = drain(key);
                WatchKey more;
                while ((more = watcher.poll(DEBOUNCE.toMillis(), TimeUnit.MILLISECONDS)) != null) {
                    changed |= drain(more);
                }
                if (changed) {
                    registerAll();
                    reload();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean drain(WatchKey key) {
        boolean changed = false;
        for (WatchEvent<?> e : key.pollEvents()) {
            String name = String.valueOf(e.context());
            // the lock file and temporary files are not content; their rename to the real name is
            changed |= e.kind() == StandardWatchEventKinds.OVERFLOW || !(name.equals(".lock") || name.endsWith(".tmp"));
        }
        key.reset();
        return changed;
    }

    private void registerAll() {
        try {
            register(store.dir());
            try (DirectoryStream<Path> s = Files.newDirectoryStream(store.dir(), Files::isDirectory)) {
                for (Path d : s) {
                    register(d);
                }
            }
        } catch (IOException | ClosedWatchServiceException e) {
            log.warn("key store watch incomplete dir={} error=\"{}\"", store.dir(), e.getMessage());
        }
    }

    private void register(Path d) throws IOException {
        d.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                StandardWatchEventKinds.ENTRY_MODIFY);
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException ignored) {
                // closing a watch service does not fail in a way we can act on
            }
        }
    }
}
