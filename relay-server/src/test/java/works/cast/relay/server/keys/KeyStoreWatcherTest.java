package works.cast.relay.server.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.KeyAlgorithm;
import works.cast.relay.core.keys.KeyRing;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.KeyStoreException;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.dns.TxtResult;

class KeyStoreWatcherTest {

    static final Domain CAST = new Domain("cast.works");
    static final Instant T0 = Instant.parse("2026-11-28T09:00:00Z");
    static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);

    @TempDir
    Path dir;

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void picksUpChangesAndKeepsThePreviousRingWhenTheStoreBreaks() throws Exception {
        KeyStore store = new KeyStore(dir);
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("e1"), true, CLOCK);
        try (KeyStoreWatcher w = new KeyStoreWatcher(store, CLOCK, KeyStoreWatcher.Options.none())) {
            w.start();
            var ring = w.ring();
            assertEquals(1, ring.get().active(CAST).size());

            store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("e2"), false, CLOCK);
            await(() -> ring.get().selectors(CAST).size() == 2, "the watch sees the new selector");
            store.generate(new Domain("castworks.co.jp"), KeyAlgorithm.ED25519, Optional.of("j1"), true, CLOCK);
            await(() -> ring.get().domains().size() == 2, "the watch sees a new domain directory");

            KeyRing before = ring.get();
            Files.writeString(store.privateFile(CAST, "e2"), "not a key\n");
            assertFalse(w.reload(), "a broken store is refused");
            assertEquals(before, ring.get(), "the previous ring stays");

            Files.delete(store.privateFile(CAST, "e2"));
            Files.writeString(store.stateFile(CAST), Files.readString(store.stateFile(CAST)).replaceAll("(?m)^e2 .*\n", ""));
            assertTrue(w.reload());
            assertEquals(1, ring.get().selectors(CAST).size());
        }
    }

    @Test
    void refusesToStartOnABrokenStore() throws Exception {
        KeyStore store = new KeyStore(dir);
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("e1"), true, CLOCK);
        Files.writeString(store.privateFile(CAST, "e1"), "broken");
        try (KeyStoreWatcher w = new KeyStoreWatcher(store, CLOCK, KeyStoreWatcher.Options.none())) {
            assertThrows(KeyStoreException.class, w::start);
        }
    }

    @Test
    void activatesPendingSelectorsWhoseRecordMatches() throws Exception {
        KeyStore store = new KeyStore(dir);
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("old"), true, CLOCK);
        SelectorKey published = store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("new"), false, CLOCK);
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("unpublished"), false, CLOCK);
        String value = DnsTxtRecord.value(published.key());
        KeyCheck check = new KeyCheck(name -> name.equals("new._domainkey.cast.works")
                ? new TxtResult.Records(List.of(List.of(value))) : new TxtResult.NotFound("NXDOMAIN"));
        Clock later = Clock.fixed(T0.plus(Duration.ofDays(1)), ZoneOffset.UTC);
        var options = new KeyStoreWatcher.Options(Optional.of(check), Duration.ofHours(1), Optional.empty());
        try (KeyStoreWatcher w = new KeyStoreWatcher(store, later, options)) {
            w.start();
            w.tick();
            List<SelectorKey> keys = w.ring().get().selectors(CAST);
            assertEquals(List.of("new:ACTIVE", "old:RETIRED", "unpublished:PENDING"),
                    keys.stream().map(k -> k.selector() + ":" + k.state()).toList());
            assertEquals(Optional.of(later.instant()), keys.get(0).activated());
        }
    }

    @Test
    void reportsTheAgeOfActiveKeys() throws Exception {
        KeyStore store = new KeyStore(dir);
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("e1"), true, CLOCK);
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("e2"), false, CLOCK);
        Clock later = Clock.fixed(T0.plus(Duration.ofDays(200)), ZoneOffset.UTC);
        var options = new KeyStoreWatcher.Options(Optional.empty(), Duration.ofHours(1), Optional.of(Duration.ofDays(180)));
        try (KeyStoreWatcher w = new KeyStoreWatcher(store, later, options)) {
            w.start();
            assertEquals(Map.of("cast.works/e1", Duration.ofDays(200)), w.activeKeyAges());
            w.tick(); // logs the WARN; must not throw
            assertEquals(SelectorState.ACTIVE, w.ring().get().active(CAST).get(0).state());
        }
    }

    /**
     * A key store mounted the way Kubernetes mounts a secret: the files live in a timestamped directory reached
     * through the {@code ..data} symlink, which the kubelet swaps atomically (a new directory, a {@code ..data_tmp}
     * symlink renamed over {@code ..data}, the old directory deleted); the domain entry is a symlink through
     * {@code ..data} that never changes itself.
     */
    @Test
    void followsAKubernetesStyleMountWhenItsDataSymlinkIsSwapped() throws Exception {
        KeyStore source = new KeyStore(dir.resolve("source"));
        source.generate(CAST, KeyAlgorithm.ED25519, Optional.of("e1"), true, CLOCK);
        Path mount = Files.createDirectories(dir.resolve("mount"));
        Path first = project(source, mount, "..2026_11_28_09_00_00.1");
        Files.createSymbolicLink(mount.resolve("..data"), mount.relativize(first));
        Files.createSymbolicLink(mount.resolve("cast.works"), Path.of("..data", "cast.works"));
        try (KeyStoreWatcher w = new KeyStoreWatcher(new KeyStore(mount), CLOCK, KeyStoreWatcher.Options.none())) {
            w.start();
            var ring = w.ring();
            assertEquals("e1", ring.get().active(CAST).get(0).selector());

            source.generate(CAST, KeyAlgorithm.ED25519, Optional.of("e2"), true, CLOCK);
            swap(source, mount, "..2026_11_28_10_00_00.2", first);
            await(() -> !ring.get().active(CAST).isEmpty() && ring.get().active(CAST).get(0).selector().equals("e2"),
                    "the swapped ..data is read without a restart");
            assertEquals(2, ring.get().selectors(CAST).size());

            source.generate(CAST, KeyAlgorithm.ED25519, Optional.of("e3"), true, CLOCK);
            swap(source, mount, "..2026_11_28_11_00_00.3", mount.resolve("..2026_11_28_10_00_00.2"));
            await(() -> ring.get().active(CAST).get(0).selector().equals("e3"), "a second swap is followed too");
        }
    }

    /** Copies the store's files into a new timestamped directory under the mount, as the kubelet writes a version. */
    private static Path project(KeyStore source, Path mount, String version) throws Exception {
        Path target = Files.createDirectories(mount.resolve(version).resolve("cast.works"));
        try (var files = Files.list(source.domainDir(CAST))) {
            for (Path f : files.filter(f -> !f.getFileName().toString().startsWith(".")).toList()) {
                Files.copy(f, target.resolve(f.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return mount.resolve(version);
    }

    private static void swap(KeyStore source, Path mount, String version, Path old) throws Exception {
        Path next = project(source, mount, version);
        Path tmp = Files.createSymbolicLink(mount.resolve("..data_tmp"), mount.relativize(next));
        Files.move(tmp, mount.resolve("..data"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (var walk = Files.walk(old)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
