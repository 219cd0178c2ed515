package works.cast.relay.core.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.mail.Domain;

/**
 * A key store changed by one process ({@code dkim-relay keys}) or thread (the relay's rotation) while another reads
 * it: every read sees each change whole, never a key file without its state.conf line.
 */
class KeyStoreConcurrencyTest {

    static final Domain CAST = new Domain("cast.works");
    static final Clock DEC = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);
    static final int CHANGES = 60;

    @TempDir
    Path dir;

    /** Makes {@code args[1]} new Ed25519 keys in the store at {@code args[0]}, activating each: the other process. */
    public static void main(String[] args) {
        KeyStore store = new KeyStore(Path.of(args[0]));
        for (int i = 0; i < Integer.parseInt(args[1]); i++) {
            store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("p" + i), false, DEC);
            store.activate(CAST, "p" + i, DEC);
        }
    }

    @Test
    void anotherProcessChangingTheStoreIsNeverSeenHalfWay() throws Exception {
        Path keys = dir.resolve("keys");
        new KeyStore(keys).generate(CAST, KeyAlgorithm.ED25519, Optional.of("first"), true, DEC);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process writer = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                KeyStoreConcurrencyTest.class.getName(), keys.toString(), String.valueOf(CHANGES))
                .redirectErrorStream(true).redirectOutput(dir.resolve("writer.log").toFile()).start();
        int reads = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        try {
            while (writer.isAlive() && System.nanoTime() < deadline) {
                KeyStore.load(keys); // throws KeyStoreException when it sees a key without its entry
                reads++;
            }
            assertTrue(writer.waitFor(30, TimeUnit.SECONDS), "the writing process ends");
        } finally {
            writer.destroyForcibly();
        }
        assertEquals(0, writer.exitValue(), Files.readString(dir.resolve("writer.log")));
        assertEquals(CHANGES + 1, KeyStore.load(keys).selectors(CAST).size());
        assertTrue(reads > 0);
    }

    @Test
    void threadsOfOneProcessWriteAndReadInTurn() throws Exception {
        Path keys = dir.resolve("keys");
        KeyStore store = new KeyStore(keys);
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("first"), true, DEC);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> writers = new ArrayList<>();
        for (String prefix : List.of("a", "b")) {
            writers.add(new Thread(() -> {
                try {
                    for (int i = 0; i < CHANGES / 2; i++) {
                        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of(prefix + i), false, DEC);
                        store.activate(CAST, prefix + i, DEC);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "key-writer-" + prefix));
        }
        writers.forEach(Thread::start);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (writers.stream().anyMatch(Thread::isAlive) && System.nanoTime() < deadline) {
            KeyStore.load(keys);
        }
        for (Thread t : writers) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        if (failure.get() != null) {
            throw new AssertionError("a writer failed", failure.get());
        }
        assertEquals(CHANGES + 1, KeyStore.load(keys).selectors(CAST).size());
    }

    @Test
    void aReaderNeverMakesTheLockFile() throws Exception {
        Path keys = dir.resolve("keys");
        new KeyStore(keys).generate(CAST, KeyAlgorithm.ED25519, Optional.of("first"), true, DEC);
        Path lock = keys.resolve("cast.works").resolve(DomainLock.NAME);
        Files.delete(lock); // a store laid out by hand, or by root: readers must not leave a lock file behind
        assertEquals(1, KeyStore.load(keys).selectors(CAST).size());
        assertTrue(Files.notExists(lock), "a lock file made by whoever listed the keys (root) could block the relay");
    }
}
