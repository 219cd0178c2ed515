package works.cast.relay.core.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.dkim.DkimSigner;
import works.cast.relay.core.dkim.DkimVerifier;
import works.cast.relay.core.dkim.MapKeyResolver;
import works.cast.relay.core.dkim.MessageHasher;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.core.dkim.VerificationResult;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.mail.Domain;

/** Keys made by Debian's {@code opendkim-genkey} move into the store and sign mail that verifies against their .txt. */
class KeyImportTest {

    static final Path GENKEY = Path.of("/usr/sbin/opendkim-genkey");
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-28T09:00:00Z"), ZoneOffset.UTC);
    static final Domain CAST = new Domain("cast.works");

    @TempDir
    Path dir;

    static void requireTool(Path tool) {
        if (!Files.isExecutable(tool)) {
            if ("true".equals(System.getenv("CI"))) {
                fail(tool + " is required when CI=true (apt-get install opendkim-tools)");
            }
            Assumptions.abort(tool + " not installed (apt-get install opendkim-tools); skipping");
        }
    }

    Path genkey(String selector) throws Exception {
        requireTool(GENKEY);
        Path out = Files.createDirectories(dir.resolve("genkey-" + selector));
        Process p = new ProcessBuilder(GENKEY.toString(), "-b", "2048", "-d", "cast.works", "-s", selector, "-D",
                out.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "opendkim-genkey did not finish");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        return out;
    }

    @Test
    void opendkimKeySignsMailThatVerifiesAgainstItsTxt() throws Exception {
        Path made = genkey("sel");
        KeyStore store = new KeyStore(dir.resolve("keys"));
        SelectorKey imported = store.importKey(CAST, "sel", made.resolve("sel.private"),
                Optional.of(made.resolve("sel.txt")), CLOCK);
        assertEquals(SelectorState.PENDING, imported.state());
        assertEquals(Files.readString(made.resolve("sel.txt")), Files.readString(store.txtFile(CAST, "sel")),
                "the record file is kept as opendkim wrote it");
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(store.privateFile(CAST, "sel"))));
        store.activate(CAST, "sel", CLOCK);
        SelectorKey active = store.load().active(CAST).get(0);

        byte[] msg = ("From: Ops <ops@cast.works>\r\nTo: a@example.org\r\nSubject: moved over\r\n"
                + "Date: Sat, 28 Nov 2026 09:00:00 +0000\r\n\r\nSigned with the imported key.\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        MessageHasher h = new MessageHasher(Set.of(Canonicalization.RELAXED), 1 << 20);
        h.update(msg, 0, msg.length);
        var sig = new DkimSigner(CLOCK).sign(SigningRequest.of(CAST, "sel", active.key()), h.finish());
        ByteArrayOutputStream signed = new ByteArrayOutputStream();
        signed.writeBytes(sig.raw());
        signed.writeBytes(msg);

        String record = DnsTxtRecord.parseZoneFile(Files.readString(made.resolve("sel.txt")));
        DkimVerifier verifier = new DkimVerifier(new MapKeyResolver(Map.of("sel._domainkey.cast.works", record)), CLOCK);
        List<VerificationResult> results = verifier.verify(new ByteArrayInputStream(signed.toByteArray()));
        assertEquals(1, results.size());
        assertTrue(results.get(0).passed(), results.get(0).toString());
    }

    @Test
    void aTxtOfAnotherKeyIsRefused() throws Exception {
        Path one = genkey("one");
        Path two = genkey("two");
        KeyStore store = new KeyStore(dir.resolve("keys"));
        KeyException e = assertThrows(KeyException.class, () -> store.importKey(CAST, "one",
                one.resolve("one.private"), Optional.of(two.resolve("two.txt")), CLOCK));
        assertTrue(e.getMessage().contains("does not match the private key"), e.getMessage());
        assertTrue(store.load().all().isEmpty(), "nothing imported");
    }

    @Test
    void aKeyAlreadyInPlaceIsAdopted() throws Exception {
        KeyStore store = new KeyStore(dir);
        Files.createDirectories(store.domainDir(CAST));
        SigningKey key = KeyAlgorithm.ED25519.generate(new java.security.SecureRandom());
        Path placed = store.privateFile(CAST, "old");
        Files.writeString(placed, PemKeyWriter.pkcs8(key));
        Files.setPosixFilePermissions(placed, PosixFilePermissions.fromString("rw-r--r--"));
        assertThrows(KeyStoreException.class, store::load);

        store.importKey(CAST, "old", placed, Optional.empty(), CLOCK);
        SelectorKey k = store.load().selectors(CAST).get(0);
        assertEquals(key.publicKeyBase64(), k.key().publicKeyBase64());
        assertEquals(DnsTxtRecord.zoneFile("old", "cast.works", key), Files.readString(store.txtFile(CAST, "old")));
        assertThrows(KeyException.class, () -> store.importKey(CAST, "old", placed, Optional.empty(), CLOCK));
    }
}
