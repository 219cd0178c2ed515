package works.cast.relay.core.keys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import works.cast.relay.core.mail.Domain;

/**
 * The key store on disk: {@code <dir>/<domain>/<selector>.private} (PEM, 0600), {@code <selector>.txt} (the DNS
 * record in zone-file form) and {@code state.conf} (see {@link StateFile}); directories are 0700. Every write is
 * atomic ({@link AtomicFiles}), and changes to one domain hold a lock on its {@code .lock} file, so two commands
 * cannot lose each other's update. Keys follow RFC 6376 section 3.6 and the rotation practice of RFC 6376 section 3.1.
 *
 * <p>Activating a selector retires the active selector of the same algorithm only, so a domain with RSA and Ed25519
 * keys rotates each on its own schedule.
 */
public final class KeyStore {

    private final Path dir;
    private final SecureRandom random = new SecureRandom();

    public KeyStore(Path dir) {
        this.dir = dir;
    }

    /** What one activation changed: the selector now signing and the ones it replaced. */
    public record Activation(SelectorKey activated, List<SelectorKey> retired) {
        public Activation {
            retired = List.copyOf(retired);
        }
    }

    public Path dir() {
        return dir;
    }

    /** Loads the key store at {@code dir}; a missing directory is an empty ring. */
    public static KeyRing load(Path dir) {
        return new KeyStore(dir).load();
    }

    /** @throws KeyStoreException listing every problem, each with its path and fix */
    public KeyRing load() {
        return new KeyStoreReader(dir).read();
    }

    public Path domainDir(Domain domain) {
        return dir.resolve(domain.name());
    }

    public Path privateFile(Domain domain, String selector) {
        return domainDir(domain).resolve(selector + ".private");
    }

    public Path txtFile(Domain domain, String selector) {
        return domainDir(domain).resolve(selector + ".txt");
    }

    public Path stateFile(Domain domain) {
        return domainDir(domain).resolve(StateFile.NAME);
    }

    /** True when the domain has at least one selector (in state.conf or as a .private file). */
    public boolean hasDomain(Domain domain) {
        return !takenSelectors(domain).isEmpty();
    }

    /** Makes a new key; the selector defaults to the next free {@code sYYYYMMx}. */
    public SelectorKey generate(Domain domain, KeyAlgorithm algorithm, Optional<String> selector, boolean activate,
                                Clock clock) {
        return add(prepare(domain, algorithm, selector, clock), activate);
    }

    /**
     * A new key and a free selector for it, written nowhere yet: its record can be published first and the key
     * {@link #add added} only once that worked, so a failed publication leaves the store as it was.
     */
    public SelectorKey prepare(Domain domain, KeyAlgorithm algorithm, Optional<String> selector, Clock clock) {
        String sel = selector.map(SelectorNames::validate)
                .orElseGet(() -> SelectorNames.next(clock, takenSelectors(domain)));
        requireFree(domain, sel);
        return new SelectorKey(domain, sel, algorithm.generate(random), SelectorState.PENDING, now(clock),
                Optional.empty(), Optional.empty());
    }

    /** Writes a {@link #prepare prepared} key into the store, pending, or active when {@code activate}. */
    public SelectorKey add(SelectorKey prepared, boolean activate) {
        Domain domain = prepared.domain();
        return locked(domain, () -> {
            String sel = prepared.selector();
            requireFree(domain, sel);
            SigningKey key = prepared.key();
            write(domain, sel, PemKeyWriter.pkcs8(key), DnsTxtRecord.zoneFile(sel, domain.name(), key));
            return addEntry(domain, sel, key, activate, prepared.created());
        });
    }

    /** A new pending selector of the given algorithm, for a domain that has keys already. */
    public SelectorKey rotate(Domain domain, KeyAlgorithm algorithm, Clock clock) {
        return add(prepareRotation(domain, algorithm, Optional.empty(), clock), false);
    }

    /** {@link #prepare} for a domain that has keys already. */
    public SelectorKey prepareRotation(Domain domain, KeyAlgorithm algorithm, Optional<String> selector, Clock clock) {
        requireDomain(domain);
        return prepare(domain, algorithm, selector, clock);
    }

    /** Starts signing with a selector; the active selector of the same algorithm is retired. */
    public Activation activate(Domain domain, String selector, Clock clock) {
        String sel = SelectorNames.validate(selector);
        requireDomain(domain);
        return locked(domain, () -> activateLocked(domain, sel, now(clock)));
    }

    private Activation activateLocked(Domain domain, String sel, Instant now) {
        Map<String, StateFile.Entry> entries = entries(domain);
        StateFile.Entry target = require(domain, entries, sel);
        SigningKey key = PemKeyLoader.load(privateFile(domain, sel));
        List<SelectorKey> retired = new ArrayList<>();
        for (StateFile.Entry e : List.copyOf(entries.values())) {
            if (e.state() == SelectorState.ACTIVE && e.algorithm() == key.algorithm() && !e.selector().equals(sel)) {
                StateFile.Entry r = e.retire(now);
                entries.put(r.selector(), r);
                retired.add(selectorKey(domain, r, PemKeyLoader.load(privateFile(domain, r.selector()))));
            }
        }
        StateFile.Entry a = target.activate(now);
        entries.put(sel, a);
        StateFile.write(stateFile(domain), domain.name(), entries);
        return new Activation(selectorKey(domain, a, key), retired);
    }

    /** Stops signing with a selector; its record should stay in DNS for a grace period. */
    public SelectorKey retire(Domain domain, String selector, Clock clock) {
        String sel = SelectorNames.validate(selector);
        requireDomain(domain);
        return locked(domain, () -> {
            Map<String, StateFile.Entry> entries = entries(domain);
            StateFile.Entry r = require(domain, entries, sel).retire(now(clock));
            SigningKey key = PemKeyLoader.load(privateFile(domain, sel));
            entries.put(sel, r);
            StateFile.write(stateFile(domain), domain.name(), entries);
            return selectorKey(domain, r, key);
        });
    }

    /** Notes that a retired selector's DNS record is now the revocation record {@code v=DKIM1; p=}. */
    public SelectorKey markRevoked(Domain domain, String selector, Clock clock) {
        return change(domain, selector, e -> e.revoke(now(clock)));
    }

    /** Notes that a retired selector's DNS record has been deleted. */
    public SelectorKey markRemoved(Domain domain, String selector, Clock clock) {
        return change(domain, selector, e -> e.remove(now(clock)));
    }

    /**
     * Drops a retired selector whose record is gone (its key files and its line), so that its name can be used
     * again (the two stable selectors of a delegated domain).
     */
    public void forget(Domain domain, String selector) {
        String sel = SelectorNames.validate(selector);
        locked(domain, () -> {
            Map<String, StateFile.Entry> entries = entries(domain);
            StateFile.Entry e = require(domain, entries, sel);
            if (e.state() != SelectorState.RETIRED || e.removed().isEmpty()) {
                throw new KeyException("selector " + sel + " of " + domain + " is not retired with its record removed");
            }
            entries.remove(sel);
            StateFile.write(stateFile(domain), domain.name(), entries);
            try {
                Files.deleteIfExists(privateFile(domain, sel));
                Files.deleteIfExists(txtFile(domain, sel));
            } catch (IOException ex) {
                throw new KeyException("cannot delete the files of " + sel + " in " + domainDir(domain) + ": "
                        + ex.getMessage(), ex);
            }
            return null;
        });
    }

    private SelectorKey change(Domain domain, String selector, java.util.function.UnaryOperator<StateFile.Entry> f) {
        String sel = SelectorNames.validate(selector);
        requireDomain(domain);
        return locked(domain, () -> {
            Map<String, StateFile.Entry> entries = entries(domain);
            StateFile.Entry e = f.apply(require(domain, entries, sel));
            SigningKey key = PemKeyLoader.load(privateFile(domain, sel));
            entries.put(sel, e);
            StateFile.write(stateFile(domain), domain.name(), entries);
            return selectorKey(domain, e, key);
        });
    }

    /**
     * Adopts an existing key (for example {@code opendkim-genkey} output) as a pending selector. The {@code .txt},
     * if given, must hold this key's record; it is kept as it is. The file may already lie at its place in the store.
     */
    public SelectorKey importKey(Domain domain, String selector, Path privateFile, Optional<Path> txtFile, Clock clock) {
        String sel = SelectorNames.validate(selector);
        SigningKey key = PemKeyLoader.load(privateFile);
        Optional<String> txt = txtFile.map(f -> readTxt(f, key));
        return locked(domain, () -> {
            if (entries(domain).containsKey(sel)) {
                throw new KeyException("selector " + sel + " already exists for " + domain);
            }
            Path target = privateFile(domain, sel);
            if (Files.exists(target) && !sameFile(target, privateFile)) {
                throw new KeyException(target + " already exists; import another selector or remove that file");
            }
            write(domain, sel, read(privateFile), txt.orElseGet(() -> DnsTxtRecord.zoneFile(sel, domain.name(), key)));
            return addEntry(domain, sel, key, false, now(clock));
        });
    }

    /** For each domain without any selector: an RSA-2048 and an Ed25519 key, both active. Returns what it made. */
    public List<SelectorKey> ensureDevelopmentKeys(Collection<Domain> domains, Clock clock) {
        List<SelectorKey> made = new ArrayList<>();
        for (Domain d : domains) {
            if (!hasDomain(d)) {
                made.add(generate(d, KeyAlgorithm.RSA_2048, Optional.empty(), true, clock));
                made.add(generate(d, KeyAlgorithm.ED25519, Optional.empty(), true, clock));
            }
        }
        return made;
    }

    private SelectorKey addEntry(Domain domain, String sel, SigningKey key, boolean activate, Instant now) {
        Map<String, StateFile.Entry> entries = entries(domain);
        StateFile.Entry e = new StateFile.Entry(sel, SelectorState.PENDING, key.algorithm(), key.bits(), now,
                Optional.empty(), Optional.empty());
        entries.put(sel, e);
        StateFile.write(stateFile(domain), domain.name(), entries);
        return activate ? activateLocked(domain, sel, now).activated() : selectorKey(domain, e, key);
    }

    /** Timestamps in the store are whole seconds. */
    private static Instant now(Clock clock) {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    private void write(Domain domain, String sel, String pem, String txt) {
        try {
            AtomicFiles.write(privateFile(domain, sel), pem.getBytes(StandardCharsets.US_ASCII), AtomicFiles.PRIVATE);
            AtomicFiles.write(txtFile(domain, sel), txt.getBytes(StandardCharsets.US_ASCII), AtomicFiles.PUBLIC);
        } catch (UncheckedIOException e) {
            throw new KeyException(e.getMessage(), e);
        }
    }

    private static SelectorKey selectorKey(Domain domain, StateFile.Entry e, SigningKey key) {
        return new SelectorKey(domain, e.selector(), key, e.state(), e.created(), e.activated(), e.retired(),
                e.revoked(), e.removed());
    }

    private Map<String, StateFile.Entry> entries(Domain domain) {
        return StateFile.readStrict(stateFile(domain));
    }

    private StateFile.Entry require(Domain domain, Map<String, StateFile.Entry> entries, String sel) {
        StateFile.Entry e = entries.get(sel);
        if (e == null) {
            requireDomain(domain);
            throw new KeyException("unknown selector " + sel + " for " + domain + " (see dkim-relay keys list)");
        }
        return e;
    }

    private void requireDomain(Domain domain) {
        if (!hasDomain(domain)) {
            throw new KeyException("unknown domain " + domain + ": no keys in " + domainDir(domain)
                    + " (run dkim-relay keys generate --domain " + domain + ")");
        }
    }

    private void requireFree(Domain domain, String sel) {
        if (takenSelectors(domain).contains(sel)) {
            throw new KeyException("selector " + sel + " already exists for " + domain);
        }
    }

    private Set<String> takenSelectors(Domain domain) {
        Set<String> taken = new HashSet<>(StateFile.read(stateFile(domain), new ArrayList<>()).keySet());
        Path d = domainDir(domain);
        if (Files.isDirectory(d)) {
            try (var s = Files.list(d)) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".private") && !n.startsWith("."))
                        .forEach(n -> taken.add(n.substring(0, n.length() - ".private".length())));
            } catch (IOException e) {
                throw new KeyException("cannot list " + d + ": " + e.getMessage(), e);
            }
        }
        return taken;
    }

    private <T> T locked(Domain domain, Supplier<T> action) {
        AtomicFiles.createDirectory(domainDir(domain));
        return DomainLock.exclusive(domainDir(domain), action);
    }

    private static String readTxt(Path txtFile, SigningKey key) {
        String text = read(txtFile);
        DkimKeyRecord record;
        try {
            record = DkimKeyRecord.parse(DnsTxtRecord.parseZoneFile(text));
        } catch (IllegalArgumentException e) {
            throw new KeyException("record file " + txtFile + ": " + e.getMessage());
        }
        if (!record.keyType().equals(key.algorithm().keyType())
                || !record.publicKeyBase64().equals(key.publicKeyBase64())) {
            throw new KeyException("record file " + txtFile + " does not match the private key (k=" + record.keyType()
                    + ", p= differs); import the .txt made with this key, or leave out --txt");
        }
        return text;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new KeyException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
