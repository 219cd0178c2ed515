package works.cast.relay.core.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.PemKeyLoader;
import works.cast.relay.core.keys.SigningKey;
import works.cast.relay.core.mail.HeaderField;
import works.cast.relay.core.mail.HeaderParser;

/** RFC 8463 Appendix A: both signatures verify, and our signer reproduces bh= and b= from the A.1 keys. */
class Rfc8463VectorTest {

    static final Clock AT_SIGNING = Clock.fixed(Instant.ofEpochSecond(1528637909), ZoneOffset.UTC);

    static byte[] resource(String name) throws IOException {
        try (InputStream in = Rfc8463VectorTest.class.getResourceAsStream("/vectors/rfc8463/" + name)) {
            return in.readAllBytes();
        }
    }

    static MapKeyResolver records() throws IOException {
        Map<String, String> map = new HashMap<>();
        for (String line : new String(resource("dns-records.txt"), StandardCharsets.US_ASCII).split("\r?\n")) {
            if (!line.isBlank()) {
                map.put(line.substring(0, line.indexOf(' ')), DnsTxtRecord.parseZoneFile(line));
            }
        }
        return new MapKeyResolver(map);
    }

    @Test
    void bothPublishedSignaturesVerify() throws IOException {
        DkimVerifier v = new DkimVerifier(records(), AT_SIGNING);
        List<VerificationResult> results = v.verify(new ByteArrayInputStream(resource("signed-message.eml")));
        assertEquals(2, results.size());
        for (VerificationResult r : results) {
            assertTrue(r.passed(), r.toString());
        }
        assertEquals("ed25519-sha256", results.get(0).algorithm());
        assertEquals("rsa-sha256", results.get(1).algorithm());
    }

    @Test
    void reproducesBodyHashAndSignaturesExactly() throws IOException {
        byte[] signed = resource("signed-message.eml");
        byte[] unsigned = resource("unsigned-message.eml");
        MessageHasher hasher = new MessageHasher(Set.of(Canonicalization.RELAXED), 1 << 20);
        hasher.update(unsigned, 0, unsigned.length);
        MessageHashes m = hasher.finish();

        List<HeaderField> published = HeaderParser.parse(signed).all("dkim-signature");
        SigningKey ed = SigningKey.Ed25519.fromSeed(Base64.getDecoder().decode(
                new String(resource("brisbane.ed25519.seed.b64"), StandardCharsets.US_ASCII).strip()));
        SigningKey rsa = PemKeyLoader.parse(new String(resource("test.rsa.pkcs1.pem"), StandardCharsets.US_ASCII));

        for (HeaderField field : published) {
            SignatureTags tags = parse(field);
            assertEquals(Base64.getEncoder().encodeToString(m.bodyHash(Canonicalization.RELAXED)),
                    Base64.getEncoder().encodeToString(tags.bodyHash()));
            SigningKey key = tags.algorithm() == SigningAlgorithm.ED25519_SHA256 ? ed : rsa;
            byte[] data = DkimSigner.headerData(m.headers(), tags.signedHeaders(), tags.headerCanonicalization(),
                    tags.withoutSignatureValue());
            assertEquals(Base64.getEncoder().encodeToString(tags.signature()),
                    Base64.getEncoder().encodeToString(key.sign(data)), tags.algorithmText());
        }
    }

    @Test
    void publicKeysOfTheA1KeysMatchTheA2Records() throws IOException {
        SigningKey ed = SigningKey.Ed25519.fromSeed(Base64.getDecoder().decode(
                new String(resource("brisbane.ed25519.seed.b64"), StandardCharsets.US_ASCII).strip()));
        assertEquals("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", ed.publicKeyBase64());
        SigningKey rsa = PemKeyLoader.parse(new String(resource("test.rsa.pkcs1.pem"), StandardCharsets.US_ASCII));
        assertTrue(new String(resource("dns-records.txt"), StandardCharsets.US_ASCII).contains(rsa.publicKeyBase64()));
        assertEquals(1024, rsa.bits());
    }

    private static SignatureTags parse(HeaderField f) {
        try {
            return SignatureTags.parse(f);
        } catch (SignatureTags.Invalid e) {
            throw new AssertionError(e.getMessage());
        }
    }
}
