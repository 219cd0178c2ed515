package works.cast.relay.core.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.dkim.SigningAlgorithm;
import works.cast.relay.core.mail.Domain;

class KeyStoreTest {

    static final Clock NOV = Clock.fixed(Instant.parse("2026-11-28T09:00:00Z"), ZoneOffset.UTC);
    static final Clock DEC = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);
    static final Domain CAST = new Domain("cast.works");
    static final Domain JP = new Domain("castworks.co.jp");

    @TempDir
    Path dir;

    @Test
    void generatedKeysLoadBackWithStateAndRecord() throws Exception {
        KeyStore store = new KeyStore(dir.resolve("keys"));
        SelectorKey rsa = store.generate(CAST, KeyAlgorithm.RSA_2048, Optional.empty(), true, NOV);
        SelectorKey ed = store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("ed1"), false, NOV);
        assertEquals("s202611a", rsa.selector());
        assertEquals(SelectorState.ACTIVE, rsa.state());
        assertEquals(Optional.of(NOV.instant()), rsa.activated());

        KeyRing ring = KeyStore.load(dir.resolve("keys"));
        assertEquals(List.of(CAST), ring.domains());
        List<SelectorKey> all = ring.selectors(CAST);
        assertEquals(List.of("ed1", "s202611a"), all.stream().map(SelectorKey::selector).toList());
        assertEquals(ed.key().publicKeyBase64(), all.get(0).key().publicKeyBase64());
        assertEquals(SelectorState.PENDING, all.get(0).state());
        assertEquals(rsa.key().publicKeyBase64(), all.get(1).key().publicKeyBase64());
        assertEquals(2048, all.get(1).key().bits());
        assertEquals(List.of("s202611a"), ring.active(CAST).stream().map(SelectorKey::selector).toList());

        Path priv = store.privateFile(CAST, "ed1");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(priv)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.domainDir(CAST))));
        assertTrue(Files.readString(priv).startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertTrue(Files.readString(store.privateFile(CAST, "s202611a")).startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertEquals(DnsTxtRecord.zoneFile("ed1", "cast.works", ed.key()),
                Files.readString(store.txtFile(CAST, "ed1")));
        String state = Files.readString(store.stateFile(CAST));
        assertTrue(state.startsWith("# dkim-relay key state for cast.works"), state);
        assertTrue(state.contains("s202611a state=active algorithm=rsa-sha256 bits=2048 created=2026-11-28T09:00:00Z"
                + " activated=2026-11-28T09:00:00Z\n"), state);
        assertTrue(state.contains("ed1 state=pending algorithm=ed25519-sha256 bits=256 created=2026-11-28T09:00:00Z\n"),
                state);
    }

    @Test
    void defaultSelectorsAreUniqueAndSortInOrderOfMaking() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            names.add(SelectorNames.next(NOV, Set.copyOf(names)));
        }
        assertEquals("s202611a", names.get(0));
        assertEquals("s202611y", names.get(24));
        assertEquals("s202611za", names.get(25));
        assertEquals("s202611zza", names.get(50));
        assertEquals(names, names.stream().sorted().toList());
        assertEquals(80, Set.copyOf(names).size());
        assertEquals("s202612a", SelectorNames.next(DEC, Set.copyOf(names)));

        KeyStore store = new KeyStore(dir);
        assertEquals("s202611a", store.generate(CAST, KeyAlgorithm.ED25519, Optional.empty(), false, NOV).selector());
        assertEquals("s202611b", store.generate(CAST, KeyAlgorithm.ED25519, Optional.empty(), false, NOV).selector());
        assertEquals("s202611a", store.generate(JP, KeyAlgorithm.ED25519, Optional.empty(), false, NOV).selector());
        KeyException e = assertThrows(KeyException.class,
                () -> store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("s202611b"), false, NOV));
        assertEquals("selector s202611b already exists for cast.works", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("bad selector"), false, NOV));
    }

    @Test
    void rsaAndEd25519RotateIndependentlyAndDomainsToo() {
        KeyStore store = new KeyStore(dir);
        List<SelectorKey> dev = store.ensureDevelopmentKeys(List.of(CAST, JP), NOV);
        assertEquals(4, dev.size());
        assertTrue(store.ensureDevelopmentKeys(List.of(CAST, JP), DEC).isEmpty());
        KeyRing before = store.load();
        assertEquals(2, before.active(CAST).size());
        assertEquals(SigningAlgorithm.RSA_SHA256, before.active(CAST).get(0).key().algorithm());
        String oldRsa = before.active(CAST).get(0).selector();
        String oldEd = before.active(CAST).get(1).selector();

        SelectorKey newRsa = store.rotate(CAST, KeyAlgorithm.RSA_3072, DEC);
        assertEquals(SelectorState.PENDING, newRsa.state());
        assertEquals("s202612a", newRsa.selector());
        assertEquals(2, store.load().active(CAST).size(), "a pending selector does not sign");

        KeyStore.Activation a = store.activate(CAST, newRsa.selector(), DEC);
        assertEquals(List.of(oldRsa), a.retired().stream().map(SelectorKey::selector).toList());
        KeyRing after = store.load();
        assertEquals(List.of(newRsa.selector(), oldEd), after.active(CAST).stream().map(SelectorKey::selector).toList());
        assertEquals(3072, after.active(CAST).get(0).key().bits());
        SelectorKey retired = after.selectors(CAST).stream().filter(k -> k.selector().equals(oldRsa)).findFirst()
                .orElseThrow();
        assertEquals(SelectorState.RETIRED, retired.state());
        assertEquals(Optional.of(DEC.instant()), retired.retired());
        assertEquals(summary(before.selectors(JP)), summary(after.selectors(JP)), "the other domain is untouched");

        SelectorKey newEd = store.rotate(CAST, KeyAlgorithm.ED25519, DEC);
        store.activate(CAST, newEd.selector(), DEC);
        assertEquals(List.of(newRsa.selector(), newEd.selector()),
                store.load().active(CAST).stream().map(SelectorKey::selector).toList());

        store.retire(CAST, newEd.selector(), DEC);
        assertEquals(1, store.load().active(CAST).size());
        assertEquals(Optional.of(DEC.instant()), store.retire(CAST, newEd.selector(), Clock.offset(DEC, java.time.Duration.ofDays(1)))
                .retired(), "retiring again keeps the first retirement");
        assertThrows(IllegalStateException.class, () -> store.activate(CAST, newRsa.selector(), DEC));
        KeyException unknown = assertThrows(KeyException.class,
                () -> store.rotate(new Domain("example.org"), KeyAlgorithm.ED25519, DEC));
        assertTrue(unknown.getMessage().startsWith("unknown domain example.org"), unknown.getMessage());
        assertFalse(Files.exists(dir.resolve("example.org")));
        assertTrue(assertThrows(KeyException.class, () -> store.activate(CAST, "nope", DEC)).getMessage()
                .startsWith("unknown selector nope for cast.works"));
    }

    @Test
    void everyProblemIsReportedWithPathAndFix() throws Exception {
        KeyStore store = new KeyStore(dir);
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("open"), true, NOV);
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("gone"), false, NOV);
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("broken"), false, NOV);
        store.generate(CAST, KeyAlgorithm.RSA_2048, Optional.of("small"), false, NOV);
        Path open = store.privateFile(CAST, "open");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        Files.delete(store.privateFile(CAST, "gone"));
        Files.writeString(store.privateFile(CAST, "broken"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(512);
        Files.writeString(store.privateFile(CAST, "small"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(g.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        Files.copy(open, store.domainDir(CAST).resolve("stray.private"));
        Files.setPosixFilePermissions(store.domainDir(CAST).resolve("stray.private"),
                PosixFilePermissions.fromString("rw-------"));
        Files.writeString(store.domainDir(CAST).resolve(".state.conf123.tmp"), "half-written leftover");

        KeyStoreException e = assertThrows(KeyStoreException.class, store::load);
        List<String> p = e.problems();
        assertEquals(5, p.size(), String.join("\n", p));
        assertTrue(p.stream().anyMatch(s -> s.equals(open + ": private key is readable or writable by group or others"
                + " (chmod 600 " + open + ")")), String.join("\n", p));
        Path stray = store.domainDir(CAST).resolve("stray.private");
        assertTrue(p.contains(stray + ": no entry in " + store.stateFile(CAST)
                + " (run dkim-relay keys import --domain cast.works --selector stray --private " + stray + ")"),
                String.join("\n", p));
        assertTrue(p.stream().anyMatch(s -> s.contains("selector gone names the missing key file")), String.join("\n", p));
        assertTrue(p.stream().anyMatch(s -> s.startsWith("key file " + store.privateFile(CAST, "broken"))
                && s.endsWith("(replace the file with a valid PEM key, or delete the line of broken from state.conf)")),
                String.join("\n", p));
        assertTrue(p.stream().anyMatch(s -> s.contains("RSA key of 512 bits is too small")
                && s.contains("dkim-relay keys rotate --domain cast.works")), String.join("\n", p));
        assertTrue(e.getMessage().startsWith("key store " + dir + ": 5 problems\n"), e.getMessage());
    }

    @Test
    void badStateLinesNameFileAndLine() throws Exception {
        KeyStore store = new KeyStore(dir);
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("e1"), true, NOV);
        Files.writeString(store.stateFile(CAST), "# comment\ne1 state=on algorithm=ed25519-sha256 bits=256"
                + " created=2026-11-28T09:00:00Z\n", StandardCharsets.UTF_8);
        KeyStoreException e = assertThrows(KeyStoreException.class, store::load);
        assertTrue(e.problems().get(0).startsWith(store.stateFile(CAST) + ":2: state: 'on' is not one of"),
                e.getMessage());
    }

    @Test
    void writesAreAtomicRenames() throws Exception {
        Path f = dir.resolve("state.conf");
        AtomicFiles.write(f, "one\n".getBytes(StandardCharsets.US_ASCII), AtomicFiles.PRIVATE);
        Object inode = Files.getAttribute(f, "unix:ino");
        AtomicFiles.write(f, "two\n".getBytes(StandardCharsets.US_ASCII), AtomicFiles.PRIVATE);
        assertEquals("two\n", Files.readString(f));
        assertFalse(inode.equals(Files.getAttribute(f, "unix:ino")), "replaced by rename, not rewritten in place");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));

        Path target = dir.resolve("occupied");
        Files.createDirectory(target);
        Files.writeString(target.resolve("x"), "keep");
        assertThrows(java.io.UncheckedIOException.class,
                () -> AtomicFiles.write(target, "new".getBytes(StandardCharsets.US_ASCII), AtomicFiles.PRIVATE));
        assertEquals("keep", Files.readString(target.resolve("x")));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("occupied", "state.conf"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary file left behind");
        }
    }

    static List<String> summary(List<SelectorKey> keys) {
        return keys.stream().map(k -> k.selector() + " " + k.state() + " " + k.key().publicKeyBase64()).toList();
    }

    @Test
    void missingDirectoryIsAnEmptyRing() {
        assertTrue(KeyStore.load(dir.resolve("nothing")).all().isEmpty());
    }
}
