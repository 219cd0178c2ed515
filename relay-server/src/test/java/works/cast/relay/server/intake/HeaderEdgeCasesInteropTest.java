package works.cast.relay.server.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import works.cast.relay.core.dkim.DkimSigner;
import works.cast.relay.core.dkim.MessageHasher;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.SmtpTestClient;
import works.cast.relay.server.TestRelay;
import works.cast.relay.server.interop.DkimVerifiers;
import works.cast.relay.server.interop.DkimVerifiers.Verdict;
import works.cast.relay.server.interop.DkimVerifiers.Verifier;

/**
 * RFC 5322 header edge cases through the running relay, judged by dkimpy, Mail::DKIM, OpenDKIM and mailauth: what the
 * relay signs verifies in all four (Mail::DKIM 1.20230212 does not know Ed25519 and ignores that signature, so there
 * only RSA is checked), and what it refuses gets a 550 5.6.0 naming the line. The last test shows why: signed as
 * received, each refused or rewritten form fails in at least one verifier.
 */
class HeaderEdgeCasesInteropTest {

    private static final String TAIL = "Subject: edge case\r\n\r\nbody\r\n";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"relaxed/relaxed", "simple/simple"})
    void signedCasesVerifyEverywhere(String canonicalization) throws Exception {
        DkimVerifiers verifiers = DkimVerifiers.require(Files.createDirectories(dir.resolve("verifiers")));
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("well formed", "From: app@cast.works\r\nTo: r@example.net\r\n" + TAIL);
        cases.put("space before colon", "From: app@cast.works\r\nTo\t: r@example.net\r\nSubject : spaced\r\n\r\nbody\r\n");
        cases.put("header only", "From: app@cast.works\r\nTo: r@example.net\r\nSubject: no body\r\n");
        try (TestRelay relay = TestRelay.start(Files.createDirectories(dir.resolve("relay")),
                "signing.canonicalization = \"" + canonicalization + "\"")) {
            int n = 0;
            for (Map.Entry<String, String> c : cases.entrySet()) {
                assertTrue(send(relay, c.getValue()).startsWith("250 "), c.getKey());
                byte[] out = Files.readAllBytes(relay.outbox().get(n++));
                check(c.getKey(), out, verifiers.verify(out, relay.dnsRecords()));
            }
            String spaced = new String(Files.readAllBytes(relay.outbox().get(1)), StandardCharsets.ISO_8859_1);
            assertTrue(spaced.contains("\r\nTo: r@example.net\r\nSubject: spaced\r\n\r\nbody\r\n"), spaced);
            String headerOnly = new String(Files.readAllBytes(relay.outbox().get(2)), StandardCharsets.ISO_8859_1);
            assertTrue(headerOnly.endsWith("\r\nSubject: no body\r\n") && !headerOnly.contains("\r\n\r\n"), headerOnly);
        }
    }

    /** Both of the relay's signatures pass in every verifier, but Ed25519 in a Mail::DKIM that does not know it. */
    private static void check(String name, byte[] message, List<Verdict> verdicts) {
        String all = name + ": " + verdicts;
        for (Verifier v : Verifier.values()) {
            List<Verdict> mine = verdicts.stream().filter(x -> x.verifier() == v).toList();
            assertEquals(Set.of("rsa-sha256", "ed25519-sha256"),
                    Set.copyOf(mine.stream().map(Verdict::algorithm).toList()), all);
            for (Verdict x : mine) {
                boolean unknownAlgorithm = v == Verifier.MAIL_DKIM && x.algorithm().equals("ed25519-sha256")
                        && x.result().equals("unsupported");
                assertTrue(x.pass() || unknownAlgorithm, all + "\n" + new String(message, StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void refusedCasesGetAPreciseReply() throws Exception {
        try (TestRelay relay = TestRelay.start(dir, "")) {
            assertEquals("550 5.6.0 Header line 4 has no colon (RFC 5322 section 2.2)",
                    send(relay, "From: app@cast.works\r\nTo: r@example.net,\r\n  s@example.net\r\n"
                            + "no colon on this line\r\n" + TAIL));
            assertEquals("550 5.6.0 Header line 1 begins with whitespace but continues no field"
                    + " (RFC 5322 section 2.2.3)", send(relay, " X-Early: y\r\nFrom: app@cast.works\r\n" + TAIL));
            assertEquals("550 5.6.0 Header line 2 has a field name that is not printable US-ASCII without spaces"
                    + " (RFC 5322 section 3.6.8)", send(relay, "From: app@cast.works\r\nX Spaced: y\r\n" + TAIL));
            assertEquals(List.of(), relay.outbox());
        }
    }

    /** The evidence behind the decisions: the forms the relay refuses or rewrites, signed as they came. */
    @Test
    void signedAsReceivedTheseFormsFailSomewhere() throws Exception {
        DkimVerifiers verifiers = DkimVerifiers.require(Files.createDirectories(dir.resolve("verifiers")));
        try (TestRelay relay = TestRelay.start(Files.createDirectories(dir.resolve("relay")), "")) {
            SelectorKey rsa = relay.keys().active(new Domain("cast.works")).stream()
                    .filter(k -> k.key().algorithm().tagValue().startsWith("rsa")).findFirst().orElseThrow();
            Map<String, Map<Verifier, String>> expected = new LinkedHashMap<>();
            expected.put("From: app@cast.works\r\nTo: r@example.net\r\nno colon\r\n" + TAIL,
                    Map.of(Verifier.DKIMPY, "unreadable", Verifier.OPENDKIM, "unreadable", Verifier.MAILAUTH, "fail",
                            Verifier.MAIL_DKIM, "pass"));
            expected.put(" X-Early: y\r\nFrom: app@cast.works\r\nTo: r@example.net\r\n" + TAIL,
                    Map.of(Verifier.DKIMPY, "fail", Verifier.OPENDKIM, "pass", Verifier.MAILAUTH, "pass",
                            Verifier.MAIL_DKIM, "pass"));
            for (Canonicalization c : List.of(Canonicalization.RELAXED, Canonicalization.SIMPLE)) {
                expected.put(c.name() + "|From: app@cast.works\r\nTo: r@example.net\r\nSubject : spaced\r\n\r\nbody\r\n",
                        Map.of(Verifier.DKIMPY, "unreadable", Verifier.OPENDKIM, "pass", Verifier.MAILAUTH, "pass",
                                Verifier.MAIL_DKIM, "pass"));
            }
            for (Map.Entry<String, Map<Verifier, String>> e : expected.entrySet()) {
                String[] parts = e.getKey().split("\\|", 2);
                Canonicalization c = parts.length == 2 ? Canonicalization.valueOf(parts[0]) : Canonicalization.RELAXED;
                byte[] signed = signAsIs(parts[parts.length - 1], rsa, c);
                List<Verdict> verdicts = verifiers.verify(signed, relay.dnsRecords());
                for (Map.Entry<Verifier, String> want : e.getValue().entrySet()) {
                    List<String> got = verdicts.stream().filter(v -> v.verifier() == want.getKey())
                            .map(Verdict::result).toList();
                    assertEquals(List.of(want.getValue()), got, e.getKey() + " " + c + ": " + verdicts);
                }
                assertFalse(verdicts.stream().allMatch(Verdict::pass), e.getKey());
            }
        }
    }

    /** The relay's signer over the message exactly as given, without the intake's checks. */
    private static byte[] signAsIs(String message, SelectorKey key, Canonicalization c) {
        byte[] bytes = message.getBytes(StandardCharsets.ISO_8859_1);
        MessageHasher hasher = new MessageHasher(Set.of(c), 1 << 20);
        hasher.update(bytes, 0, bytes.length);
        SigningRequest request = new SigningRequest(key.domain(), key.selector(), key.key(), c, c,
                List.of("from", "to", "subject"), Set.of(), Optional.empty());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new DkimSigner(Clock.systemUTC()).sign(request, hasher.finish()).raw());
        out.writeBytes(bytes);
        return out.toByteArray();
    }

    private static String send(TestRelay relay, String message) throws Exception {
        try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
            c.hello();
            return c.send("app@cast.works", "r@example.net", message);
        }
    }
}
