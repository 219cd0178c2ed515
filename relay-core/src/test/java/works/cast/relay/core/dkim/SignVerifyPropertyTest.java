package works.cast.relay.core.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateCrtKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.SigningKey;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.core.mail.HeaderField;

/**
 * Random headers, folding, bodies and chunk boundaries: what we sign verifies, and changing any single byte of a
 * signed header or of the body makes verification fail.
 */
class SignVerifyPropertyTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-28T00:00:00Z"), ZoneOffset.UTC);
    static SigningKey rsa;
    static SigningKey ed;
    static MapKeyResolver resolver;

    @BeforeAll
    static void keys() throws NoSuchAlgorithmException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048, new java.security.SecureRandom(new byte[] {1}));
        var pair = g.generateKeyPair();
        rsa = new SigningKey.Rsa((RSAPrivateCrtKey) pair.getPrivate(), pair.getPublic());
        ed = new SigningKey.Ed25519(new Ed25519PrivateKeyParameters(new java.security.SecureRandom()));
        resolver = new MapKeyResolver(Map.of(
                "r1._domainkey.cast.works", DnsTxtRecord.value(rsa),
                "e1._domainkey.cast.works", DnsTxtRecord.value(ed)));
    }

    static byte[] randomMessage(Random r) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"From", "To", "Subject", "Date", "Message-ID", "Cc", "X-Mailer", "MIME-Version", "Reply-To"};
        sb.append("From: Someone <a").append(r.nextInt(1000)).append("@cast.works>\r\n");
        int n = 1 + r.nextInt(8);
        for (int i = 0; i < n; i++) {
            String name = names[1 + r.nextInt(names.length - 1)];
            if (r.nextBoolean()) {
                name = name.toUpperCase(java.util.Locale.ROOT);
            }
            sb.append(name).append(r.nextBoolean() ? ":" : ": ").append(word(r));
            int folds = r.nextInt(3);
            for (int f = 0; f < folds; f++) {
                sb.append("\r\n").append(r.nextBoolean() ? " " : "\t").append(word(r));
            }
            sb.append(r.nextInt(4) == 0 ? " \t" : "").append("\r\n");
        }
        sb.append("\r\n");
        int lines = r.nextInt(12);
        for (int i = 0; i < lines; i++) {
            int len = r.nextInt(90);
            for (int k = 0; k < len; k++) {
                int c = r.nextInt(10);
                sb.append(c == 0 ? ' ' : c == 1 ? '\t' : c == 2 ? '.' : (char) ('a' + r.nextInt(26)));
            }
            sb.append("\r\n");
        }
        if (r.nextBoolean()) {
            sb.append("\r\n \r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String word(Random r) {
        StringBuilder w = new StringBuilder();
        int len = 1 + r.nextInt(20);
        for (int i = 0; i < len; i++) {
            w.append(r.nextInt(6) == 0 ? ' ' : (char) ('a' + r.nextInt(26)));
        }
        return w.toString();
    }

    static byte[] sign(byte[] msg, Random r, Canonicalization hc, Canonicalization bc) {
        MessageHasher h = new MessageHasher(Set.of(bc), 1 << 20);
        int i = 0;
        while (i < msg.length) { // random chunk boundaries
            int n = Math.min(msg.length - i, 1 + r.nextInt(40));
            h.update(msg, i, n);
            i += n;
        }
        MessageHashes m = h.finish();
        DkimSigner signer = new DkimSigner(CLOCK);
        Domain d = new Domain("cast.works");
        List<HeaderField> sigs = signer.signAll(List.of(
                SigningRequest.of(d, "e1", ed).withCanonicalization(hc, bc),
                SigningRequest.of(d, "r1", rsa).withCanonicalization(hc, bc)), m);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (HeaderField f : sigs) {
            for (String line : f.toString().split("\r\n")) {
                assertTrue(line.length() <= 78, "line too long: " + line);
            }
            out.writeBytes(f.raw());
        }
        out.writeBytes(msg);
        return out.toByteArray();
    }

    static List<VerificationResult> verify(byte[] signed) throws IOException {
        return new DkimVerifier(resolver, CLOCK).verify(new ByteArrayInputStream(signed));
    }

    @Test
    void signedMessagesVerifyAndEverySingleByteChangeBreaksThem() throws IOException {
        Random r = new Random(7);
        Canonicalization[] cs = Canonicalization.values();
        for (int round = 0; round < 40; round++) {
            byte[] msg = randomMessage(r);
            Canonicalization hc = cs[round % 2];
            Canonicalization bc = cs[(round / 2) % 2];
            byte[] signed = sign(msg, r, hc, bc);
            List<VerificationResult> ok = verify(signed);
            assertEquals(2, ok.size());
            ok.forEach(v -> assertTrue(v.passed(), v + " for " + new String(signed, StandardCharsets.UTF_8)));

            int sigLen = signed.length - msg.length;
            for (int k = 0; k < 12; k++) {
                int pos = msgPositionThatMatters(msg, r, hc, bc);
                if (pos < 0) {
                    continue;
                }
                byte[] tampered = signed.clone();
                tampered[sigLen + pos] = (byte) (tampered[sigLen + pos] == 'q' ? 'z' : 'q');
                for (VerificationResult v : verify(tampered)) {
                    assertFalse(v.passed(), "change at " + pos + " still verifies: " + v);
                }
            }
        }
    }

    /** A random position whose change must break the signature: a letter in a signed header or the body. */
    private static int msgPositionThatMatters(byte[] msg, Random r, Canonicalization hc, Canonicalization bc) {
        for (int tries = 0; tries < 50; tries++) {
            int pos = r.nextInt(msg.length);
            byte b = msg[pos];
            if (b >= 'a' && b <= 'z' && b != 'q') {
                int headerEnd = indexOf(msg, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII)) + 2;
                if (pos >= headerEnd) {
                    return pos;
                }
                // inside the header block: only signed fields count (X-Mailer is not in the default list)
                int lineStart = pos;
                while (lineStart > 0 && !(msg[lineStart - 1] == '\n' && msg[lineStart] != ' ' && msg[lineStart] != '\t')) {
                    lineStart--;
                }
                String line = new String(msg, lineStart, Math.min(12, msg.length - lineStart), StandardCharsets.US_ASCII)
                        .toLowerCase(java.util.Locale.ROOT);
                if (!line.startsWith("x-mailer") && (hc == Canonicalization.SIMPLE || !isInName(msg, lineStart, pos))) {
                    return pos;
                }
            }
        }
        return -1;
    }

    private static boolean isInName(byte[] msg, int lineStart, int pos) {
        for (int i = lineStart; i < pos; i++) {
            if (msg[i] == ':') {
                return false;
            }
        }
        return true; // relaxed lower-cases names, so only a real letter change would count; keep it simple
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void addedFromAboveASignedOneBreaksTheSignature() throws IOException {
        byte[] msg = "From: a@cast.works\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] signed = sign(msg, new Random(1), Canonicalization.RELAXED, Canonicalization.RELAXED);
        verify(signed).forEach(v -> assertTrue(v.passed(), v.toString()));
        String s = new String(signed, StandardCharsets.US_ASCII);
        int at = s.indexOf("From:");
        byte[] withExtra = (s.substring(0, at) + "Subject: changed\r\n" + s.substring(at)).getBytes(StandardCharsets.US_ASCII);
        verify(withExtra).forEach(v -> assertFalse(v.passed(), v.toString()));
    }

    @Test
    void unsignedHeaderMayBeAddedWithoutBreakingIt() throws IOException {
        byte[] msg = "From: a@cast.works\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] signed = sign(msg, new Random(1), Canonicalization.RELAXED, Canonicalization.RELAXED);
        byte[] withReceived = ("Received: from x by y\r\n" + new String(signed, StandardCharsets.US_ASCII))
                .getBytes(StandardCharsets.US_ASCII);
        verify(withReceived).forEach(v -> assertTrue(v.passed(), v.toString()));
    }

    @Test
    void reportsPreciseReasons() throws IOException {
        byte[] msg = "From: a@cast.works\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] signed = sign(msg, new Random(1), Canonicalization.RELAXED, Canonicalization.RELAXED);
        String s = new String(signed, StandardCharsets.US_ASCII);
        List<VerificationResult> body = verify((s.replace("body\r\n", "bodY\r\n")).getBytes(StandardCharsets.US_ASCII));
        body.forEach(v -> assertEquals("body hash mismatch", v.reason()));
        List<VerificationResult> nokey = new DkimVerifier(new MapKeyResolver(Map.of()), CLOCK)
                .verify(new ByteArrayInputStream(signed));
        nokey.forEach(v -> assertEquals(VerificationResult.Status.PERMERROR, v.status()));
        nokey.forEach(v -> assertTrue(v.reason().startsWith("key not found"), v.reason()));
        List<VerificationResult> bad = verify(s.replace("From: a@", "From: b@").getBytes(StandardCharsets.US_ASCII));
        bad.forEach(v -> assertEquals("signature did not verify", v.reason()));
        List<VerificationResult> rsaSha1 = verify(s.replace("a=rsa-sha256", "a=rsa-sha1").getBytes(StandardCharsets.US_ASCII));
        assertEquals(VerificationResult.Status.PERMERROR, rsaSha1.get(1).status());
    }

    @Test
    void expiredSignatureIsAPermerror() throws IOException {
        byte[] msg = "From: a@cast.works\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        MessageHasher h = new MessageHasher(Set.of(Canonicalization.RELAXED), 1 << 20);
        h.update(msg, 0, msg.length);
        SigningRequest req = new SigningRequest(new Domain("cast.works"), "e1", ed, Canonicalization.RELAXED,
                Canonicalization.RELAXED, HeaderSelection.DEFAULT_HEADERS, HeaderSelection.DEFAULT_OVERSIGN,
                java.util.Optional.of(java.time.Duration.ofHours(1)));
        HeaderField sig = new DkimSigner(CLOCK).sign(req, h.finish());
        assertTrue(sig.toString().contains("x="));
        byte[] signed = (sig + new String(msg, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
        Clock later = Clock.offset(CLOCK, java.time.Duration.ofHours(2));
        VerificationResult v = new DkimVerifier(resolver, later).verify(new ByteArrayInputStream(signed)).get(0);
        assertEquals(VerificationResult.Status.PERMERROR, v.status());
        assertTrue(v.reason().contains("expired"));
    }

    @Test
    void oversigningListsEachNameOnceMoreThanItOccurs() {
        byte[] msg = "From: a@cast.works\r\nTo: x@y\r\nTo: z@y\r\nX-Other: 1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        var headers = works.cast.relay.core.mail.HeaderParser.parse(msg);
        List<String> h = HeaderSelection.choose(headers, HeaderSelection.DEFAULT_HEADERS, HeaderSelection.DEFAULT_OVERSIGN);
        List<String> expected = new ArrayList<>(List.of("from", "from", "subject", "to", "to", "to", "cc", "reply-to", "date"));
        assertEquals(expected.stream().sorted().toList(), h.stream().sorted().toList());
    }
}
