package works.cast.relay.server.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.dkim.DkimVerifier;
import works.cast.relay.core.dkim.HeaderSelection;
import works.cast.relay.core.dkim.MapKeyResolver;
import works.cast.relay.core.dkim.VerificationResult;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.interop.Dkimpy;
import works.cast.relay.core.interop.ExternalTools;
import works.cast.relay.core.interop.TestKeys;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.KeyRing;
import works.cast.relay.core.keys.PemKeyLoader;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.keys.SigningKey;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.core.policy.DomainPolicy;
import works.cast.relay.core.policy.SigningPolicy;
import works.cast.relay.server.delivery.DirectoryOutbox;
import works.cast.relay.server.smtp.MessageSink;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.smtp.SessionInfo;

/** The intake end to end, without sockets: chunks in, a signed .eml in the outbox that verifies. */
class SigningReceiverTest {

    static ExecutorService io;
    static SigningKey rsa;
    static SigningKey ed;
    static SigningKey rsa2;

    @TempDir
    Path dir;

    @BeforeAll
    static void keys() throws IOException {
        io = Executors.newFixedThreadPool(2);
        TestKeys k = TestKeys.shared();
        rsa = PemKeyLoader.load(k.rsa().pemFile());
        ed = PemKeyLoader.load(k.ed25519().pemFile());
        rsa2 = PemKeyLoader.load(TestKeys.generate(Files.createTempDirectory("keys2")).rsa().pemFile());
    }

    @AfterAll
    static void stop() {
        io.shutdownNow();
    }

    static SelectorKey selector(String domain, String sel, SigningKey key, SelectorState state) {
        return new SelectorKey(new Domain(domain), sel, key, state, Instant.now(), Optional.empty(), Optional.empty());
    }

    static KeyRing ring() {
        return new KeyRing(List.of(
                selector("cast.works", "cw-rsa", rsa, SelectorState.ACTIVE),
                selector("cast.works", "cw-ed", ed, SelectorState.ACTIVE),
                selector("castworks.co.jp", "jp-rsa", rsa2, SelectorState.ACTIVE)));
    }

    static Map<String, String> records() {
        Map<String, String> m = new HashMap<>();
        m.put("cw-rsa._domainkey.cast.works", DnsTxtRecord.value(rsa));
        m.put("cw-ed._domainkey.cast.works", DnsTxtRecord.value(ed));
        m.put("jp-rsa._domainkey.castworks.co.jp", DnsTxtRecord.value(rsa2));
        return m;
    }

    SigningReceiver receiver(KeyRing ring, SigningPolicy.UnknownDomain unknown) throws IOException {
        SigningPolicy policy = new SigningPolicy(
                List.of(new DomainPolicy(new Domain("cast.works"), List.of()),
                        new DomainPolicy(new Domain("castworks.co.jp"), List.of())),
                true, unknown, Canonicalization.RELAXED, Canonicalization.RELAXED, HeaderSelection.DEFAULT_HEADERS,
                HeaderSelection.DEFAULT_OVERSIGN, Optional.empty(), () -> ring);
        DirectoryOutbox outbox = new DirectoryOutbox(dir.resolve("outbox"), dir.resolve("spool"));
        return new SigningReceiver(io, policy, outbox, "relay.test", 1 << 20, Clock.systemUTC(), new MessageLog());
    }

    static SessionInfo session(Set<String> userDomains) {
        return new SessionInfo("s1", new InetSocketAddress("127.0.0.1", 40000), "app.test",
                userDomains.isEmpty() ? Optional.empty() : Optional.of("app"), userDomains, Optional.empty(),
                Optional.empty());
    }

    Reply send(SigningReceiver r, SessionInfo s, String message, int chunk) throws Exception {
        MessageSink sink = r.open(s, new Envelope("app@cast.works", List.of("rcpt@example.net"), false, false), () -> { });
        byte[] b = message.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i += chunk) {
            sink.write(Unpooled.wrappedBuffer(b, i, Math.min(chunk, b.length - i)));
        }
        return sink.finish().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    List<Path> outbox(String ext) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("outbox"))) {
            return s.filter(p -> p.toString().endsWith(ext)).toList();
        }
    }

    static List<VerificationResult> verify(Path eml) throws IOException {
        try (InputStream in = Files.newInputStream(eml)) {
            return new DkimVerifier(new MapKeyResolver(records()), Clock.systemUTC()).verify(in);
        }
    }

    @Test
    void signsEachDomainWithItsOwnSelectorsAndKeepsTheBytes() throws Exception {
        SigningReceiver r = receiver(ring(), SigningPolicy.UnknownDomain.REJECT);
        String body = "From: App <app@cast.works>\r\nTo: rcpt@example.net\r\nSubject: hi\r\n\r\nline one\r\n..dot\r\n";
        Reply reply = send(r, session(Set.of()), body, 7);
        assertEquals(250, reply.code(), reply.toString());
        Path eml = outbox(".eml").get(0);
        String out = Files.readString(eml, StandardCharsets.UTF_8);
        assertTrue(out.startsWith("Received: from app.test ([127.0.0.1])"), out);
        assertTrue(out.endsWith(body), "received bytes kept unchanged after the prepended fields");
        assertTrue(out.contains("Message-ID: <") && out.contains("\r\nDate: "), "missing Date and Message-ID added");
        List<VerificationResult> results = verify(eml);
        assertEquals(List.of("cw-rsa", "cw-ed"), results.stream().map(VerificationResult::selector).toList());
        results.forEach(v -> assertTrue(v.passed(), v.toString()));
        String json = Files.readString(outbox(".json").get(0));
        assertTrue(json.contains("\"rcpt_to\": [\"rcpt@example.net\"]"), json);

        Reply jp = send(r, session(Set.of()), "From: yamada@castworks.co.jp\r\nDate: Sat, 28 Nov 2026 10:00:00 +0900\r\n"
                + "Message-ID: <x@castworks.co.jp>\r\n\r\nbody\r\n", 3);
        assertEquals(250, jp.code());
        Path jpEml = outbox(".eml").stream().filter(p -> !p.equals(eml)).findFirst().orElseThrow();
        List<VerificationResult> jpResults = verify(jpEml);
        assertEquals(1, jpResults.size());
        assertEquals("castworks.co.jp", jpResults.get(0).domain());
        assertTrue(jpResults.get(0).passed());
        assertFalse(Files.readString(jpEml).contains("\r\nDate: Sat, 28 Nov 2026 04"), "a Date the client sent is kept");
    }

    @Test
    void outputVerifiesInDkimpy() throws Exception {
        ExternalTools.requirePython3DkimEd25519();
        SigningReceiver r = receiver(ring(), SigningPolicy.UnknownDomain.REJECT);
        assertEquals(250, send(r, session(Set.of()), "From: a@mail.cast.works\r\nSubject: sub\r\n\r\nhello\r\n", 5).code());
        byte[] signed = Files.readAllBytes(outbox(".eml").get(0));
        var outcome = Dkimpy.create().verify(signed, records());
        assertTrue(outcome.allPass(), outcome::describe);
        assertEquals(2, outcome.signatures().size());
    }

    @Test
    void refusesWhatItMustNotSign() throws Exception {
        SigningReceiver r = receiver(ring(), SigningPolicy.UnknownDomain.REJECT);
        assertEquals("550 5.7.1", code(send(r, session(Set.of()), "From: a@evil.example\r\n\r\nx\r\n", 4)));
        assertEquals("550 5.6.0", code(send(r, session(Set.of()), "To: a@cast.works\r\n\r\nx\r\n", 4)));
        assertEquals("550 5.6.0", code(send(r, session(Set.of()), "From: a@cast.works, b@cast.works\r\n\r\nx\r\n", 4)));
        assertEquals("550 5.6.0", code(send(r, session(Set.of()), "From: a@cast.works\r\nFrom: b@cast.works\r\n\r\nx\r\n", 4)));
        Reply notHers = send(r, session(Set.of("castworks.co.jp")), "From: a@cast.works\r\n\r\nx\r\n", 4);
        assertEquals("550 5.7.1", code(notHers));
        assertTrue(notHers.lines().get(0).contains("cast.works"), notHers.toString());
        assertTrue(outbox(".eml").isEmpty());
        try (Stream<Path> s = Files.list(dir.resolve("spool"))) {
            assertEquals(0, s.count(), "refused messages leave nothing behind");
        }
    }

    @Test
    void failsClosedWhenADomainHasNoUsableKey() throws Exception {
        KeyRing edOnly = new KeyRing(List.of(selector("cast.works", "cw-ed", ed, SelectorState.ACTIVE)));
        SigningReceiver r = receiver(edOnly, SigningPolicy.UnknownDomain.PASS);
        Reply reply = send(r, session(Set.of()), "From: a@cast.works\r\n\r\nx\r\n", 4);
        assertEquals("451 4.3.0", code(reply));
        assertTrue(reply.lines().get(0).contains("cast.works"));
        Reply none = send(r, session(Set.of()), "From: a@castworks.co.jp\r\n\r\nx\r\n", 4);
        assertEquals("451 4.3.0", code(none));
        Reply unknown = send(r, session(Set.of()), "From: a@other.example\r\n\r\nx\r\n", 4);
        assertEquals(250, unknown.code(), "unknown-domain = pass relays unsigned");
        assertFalse(Files.readString(outbox(".eml").get(0)).contains("DKIM-Signature"));
    }

    @Test
    void headerBlockOverTheLimitIsRefused() throws Exception {
        SigningPolicy policy = new SigningPolicy(List.of(new DomainPolicy(new Domain("cast.works"), List.of())), true,
                SigningPolicy.UnknownDomain.REJECT, Canonicalization.RELAXED, Canonicalization.RELAXED,
                HeaderSelection.DEFAULT_HEADERS, HeaderSelection.DEFAULT_OVERSIGN, Optional.empty(), SigningReceiverTest::ring);
        SigningReceiver r = new SigningReceiver(io, policy, new DirectoryOutbox(dir.resolve("outbox"), dir.resolve("spool")),
                "relay.test", 100, Clock.systemUTC(), new MessageLog());
        StringBuilder big = new StringBuilder("From: a@cast.works\r\n");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            lines.add("X-Filler-" + i + ": some value\r\n");
        }
        big.append(String.join("", lines)).append("\r\nbody\r\n");
        assertEquals("552 5.3.4", code(send(r, session(Set.of()), big.toString(), 10)));
    }

    private static String code(Reply r) {
        return r.code() + " " + r.enhanced();
    }
}
