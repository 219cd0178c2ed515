package works.cast.relay.core.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import works.cast.relay.core.dkim.DkimSigner;
import works.cast.relay.core.dkim.DkimVerifier;
import works.cast.relay.core.dkim.MapKeyResolver;
import works.cast.relay.core.dkim.MessageHasher;
import works.cast.relay.core.dkim.MessageHashes;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.core.dkim.VerificationResult;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.keys.PemKeyLoader;
import works.cast.relay.core.keys.SigningKey;
import works.cast.relay.core.mail.AuthorAddress;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.core.mail.HeaderField;

/**
 * Interop in both directions with dkimpy (Debian python3-dkim): every corpus message signed by our signer with
 * RSA-2048 and with Ed25519 verifies in dkimpy, and every message dkimpy signs verifies in our verifier.
 */
class OurSignerInDkimpyTest {

    static Dkimpy dkimpy;
    static TestKeys keys;
    static SigningKey rsa;
    static SigningKey ed;

    @BeforeAll
    static void setUp() throws IOException {
        ExternalTools.requirePython3DkimEd25519();
        dkimpy = Dkimpy.create();
        keys = TestKeys.shared();
        rsa = PemKeyLoader.load(keys.rsa().pemFile());
        ed = PemKeyLoader.load(keys.ed25519().pemFile());
    }

    static Stream<NamedMessage> messages() {
        return Stream.concat(Corpus.all().stream(), Corpus.random(2026, 12).stream());
    }

    private static Domain signingDomain(MessageHashes m) {
        Domain author = AuthorAddress.of(m.headers()).domain();
        return author.name().endsWith("castworks.co.jp") ? new Domain("castworks.co.jp") : new Domain("cast.works");
    }

    static byte[] sign(byte[] msg, Canonicalization hc, Canonicalization bc, SigningKey... signingKeys) {
        MessageHasher h = new MessageHasher(Set.of(bc), 1 << 20);
        for (int i = 0; i < msg.length; i += 1000) { // chunked, as the relay reads it
            h.update(msg, i, Math.min(1000, msg.length - i));
        }
        MessageHashes m = h.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DkimSigner signer = new DkimSigner(Clock.systemUTC());
        for (SigningKey k : signingKeys) {
            String selector = k == rsa ? "r1" : "e1";
            HeaderField f = signer.sign(SigningRequest.of(signingDomain(m), selector, k).withCanonicalization(hc, bc), m);
            out.writeBytes(f.raw());
        }
        out.writeBytes(msg);
        return out.toByteArray();
    }

    static Map<String, String> records() {
        var map = new java.util.HashMap<String, String>();
        map.putAll(keys.dnsRecords("cast.works", "r1", "e1"));
        map.putAll(keys.dnsRecords("castworks.co.jp", "r1", "e1"));
        return map;
    }

    @ParameterizedTest
    @MethodSource("messages")
    void rsaAndEd25519SignaturesVerifyInDkimpy(NamedMessage message) {
        for (Canonicalization hc : Canonicalization.values()) {
            for (Canonicalization bc : Canonicalization.values()) {
                byte[] signed = sign(message.bytes(), hc, bc, rsa, ed);
                VerifyOutcome outcome = dkimpy.verify(signed, records());
                assertTrue(outcome.allPass(), () -> hc + "/" + bc + " " + outcome.describe());
                assertEquals(2, outcome.signatures().size(), outcome::describe);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("messages")
    void dkimpySignaturesVerifyInOurVerifier(NamedMessage message) throws IOException {
        byte[] withRsa = dkimpy.sign(message.bytes(), "cast.works", "r1", keys.rsa().pemFile(), "rsa-sha256",
                "relaxed/relaxed");
        byte[] both = dkimpy.sign(withRsa, "cast.works", "e1", keys.ed25519().pemFile(), "ed25519-sha256",
                "simple/simple");
        List<VerificationResult> results = new DkimVerifier(new MapKeyResolver(records()), Clock.systemUTC())
                .verify(new ByteArrayInputStream(both));
        assertEquals(2, results.size());
        results.forEach(r -> assertTrue(r.passed(), r::toString));
    }
}
