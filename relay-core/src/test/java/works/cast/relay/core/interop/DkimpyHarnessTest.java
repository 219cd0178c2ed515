package works.cast.relay.core.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Proves the harness on dkimpy alone: dkimpy signs, dkimpy verifies, tampering fails, RFC 8463 A.3 passes. */
class DkimpyHarnessTest {

    private static final String DOMAIN = "cast.works";
    private static final String RSA_SELECTOR = "rsa2025";
    private static final String ED_SELECTOR = "ed2025";

    @TempDir
    static Path directory;

    private static Dkimpy dkimpy;
    private static TestKeys keys;
    private static Map<String, String> records;

    @BeforeAll
    static void setUp() {
        ExternalTools.requirePython3DkimEd25519();
        dkimpy = Dkimpy.create();
        keys = TestKeys.generate(directory.resolve("keys"));
        records = keys.dnsRecords(DOMAIN, RSA_SELECTOR, ED_SELECTOR);
    }

    static Stream<Arguments> sampleSignings() {
        List<String> names = List.of("plain-ascii", "multipart-mixed-base64-attachment", "utf8-8bit-body",
                "headers-only-no-blank-line", "empty-body", Corpus.BODY_WITHOUT_FINAL_CRLF, "long-body-200k",
                "header-continuation-whitespace-only", "trailing-blank-lines-with-whitespace", "header-names-odd-case");
        return names.stream().flatMap(name -> Stream.of(
                Arguments.of(Corpus.byName(name), "rsa-sha256", "relaxed/relaxed"),
                Arguments.of(Corpus.byName(name), "ed25519-sha256", "simple/simple")));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("sampleSignings")
    void dkimpySignatureVerifiesInDkimpy(NamedMessage message, String algorithm, String canon) {
        byte[] signed = sign(message.bytes(), algorithm, canon);

        VerifyOutcome outcome = dkimpy.verify(signed, records);

        assertTrue(outcome.allPass(), outcome::describe);
        VerifyOutcome.SignatureResult result = outcome.signatures().get(0);
        assertEquals(DOMAIN, result.domain());
        assertEquals(algorithm, result.algorithm());
    }

    /** Every corpus message, and a sample of random ones, is one dkimpy can sign and verify: a fair interop input. */
    static Stream<Arguments> wholeCorpus() {
        List<NamedMessage> messages = new ArrayList<>(Corpus.all());
        messages.addAll(Corpus.random(42L, 40));
        String[][] variants = {{"rsa-sha256", "relaxed/relaxed"}, {"ed25519-sha256", "simple/simple"},
            {"rsa-sha256", "simple/relaxed"}, {"ed25519-sha256", "relaxed/simple"}};
        return IntStream.range(0, messages.size()).mapToObj(i -> Arguments.of(messages.get(i),
                variants[i % variants.length][0], variants[i % variants.length][1]));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("wholeCorpus")
    void everyCorpusMessageRoundTripsThroughDkimpy(NamedMessage message, String algorithm, String canon) {
        VerifyOutcome outcome = dkimpy.verify(sign(message.bytes(), algorithm, canon), records);

        assertTrue(outcome.allPass(), outcome::describe);
    }

    @Test
    void signedOutputIsTheSignatureFieldThenTheMessageUnchanged() {
        byte[] message = Corpus.byName("folded-subject-with-tabs").bytes();
        byte[] signed = sign(message, "rsa-sha256", "relaxed/simple");

        String text = new String(signed, StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple;"), text);
        assertArrayEquals(message, Arrays.copyOfRange(signed, signed.length - message.length, signed.length));
    }

    @Test
    void explicitHeaderListBecomesTheHTag() {
        byte[] signed = dkimpy.sign(Corpus.byName("plain-ascii").bytes(), DOMAIN, RSA_SELECTOR,
                keys.rsa().pemFile(), "rsa-sha256", "relaxed/relaxed", List.of("from", "subject", "from"));

        String unfolded = new String(signed, StandardCharsets.ISO_8859_1).replace("\r\n", "");
        assertTrue(unfolded.contains("h=from : subject : from;"), unfolded);
        assertTrue(dkimpy.verify(signed, records).allPass());
    }

    @Test
    void flippedBodyByteFailsVerification() {
        for (String algorithm : List.of("rsa-sha256", "ed25519-sha256")) {
            byte[] signed = sign(Corpus.byName("plain-ascii").bytes(), algorithm, "relaxed/relaxed");
            int index = indexOf(signed, "plain ASCII message");
            signed[index] ^= 0x20;

            VerifyOutcome outcome = dkimpy.verify(signed, records);

            assertEquals(VerifyOutcome.FAIL, outcome.exitCode(), outcome::describe);
            assertTrue(outcome.signatures().get(0).detail().contains("body hash mismatch"), outcome::describe);
        }
    }

    @Test
    void changedSignedHeaderFailsVerification() {
        byte[] signed = sign(Corpus.byName("plain-ascii").bytes(), "ed25519-sha256", "relaxed/relaxed");
        signed[indexOf(signed, "Plain ASCII message")] = 'p';

        VerifyOutcome outcome = dkimpy.verify(signed, records);

        assertEquals(VerifyOutcome.FAIL, outcome.exitCode(), outcome::describe);
        assertEquals("fail", outcome.signatures().get(0).result());
    }

    @Test
    void missingKeyRecordFails() {
        byte[] signed = sign(Corpus.byName("plain-ascii").bytes(), "rsa-sha256", "relaxed/relaxed");

        VerifyOutcome outcome = dkimpy.verify(signed, Map.of());

        assertEquals(VerifyOutcome.FAIL, outcome.exitCode(), outcome::describe);
        assertTrue(outcome.signatures().get(0).detail().contains("missing public key"), outcome::describe);
    }

    @Test
    void unsignedMessageReportsNoSignature() {
        VerifyOutcome outcome = dkimpy.verify(Corpus.byName("plain-ascii").bytes(), records);

        assertEquals(VerifyOutcome.NO_SIGNATURE, outcome.exitCode(), outcome::describe);
        assertTrue(outcome.lines().isEmpty());
        assertTrue(!outcome.allPass());
    }

    @Test
    void everySignatureIsVerifiedAndReportedInOrder() {
        byte[] once = sign(Corpus.byName("list-headers").bytes(), "rsa-sha256", "relaxed/relaxed");
        byte[] twice = sign(once, "ed25519-sha256", "relaxed/relaxed");

        VerifyOutcome outcome = dkimpy.verify(twice, records);

        assertTrue(outcome.allPass(), outcome::describe);
        assertEquals(List.of("0 ed25519-sha256 " + ED_SELECTOR, "1 rsa-sha256 " + RSA_SELECTOR),
                outcome.signatures().stream().map(s -> s.index() + " " + s.algorithm() + " " + s.selector()).toList());
        assertTrue(dkimpy.verify(twice, records, 1).allPass());
    }

    @Test
    void rfc8463SignedMessageVerifiesWithBothSignatures() {
        VerifyOutcome outcome = dkimpy.verify(Rfc8463Vectors.signedMessage(), Rfc8463Vectors.dnsRecords());

        assertTrue(outcome.allPass(), outcome::describe);
        assertEquals(List.of(
                "0 d=football.example.com s=brisbane a=ed25519-sha256 pass",
                "1 d=football.example.com s=test a=rsa-sha256 pass"), outcome.lines());
    }

    @Test
    void dkimpySignsWithTheRfc8463KeysInTheirPublishedForms() {
        Path seed = Rfc8463Vectors.copyTo("brisbane.ed25519.seed.b64", directory);
        Path rsaPkcs1 = Rfc8463Vectors.copyTo("test.rsa.pkcs1.pem", directory);
        byte[] unsigned = Rfc8463Vectors.unsignedMessage();

        byte[] signed = dkimpy.sign(unsigned, Rfc8463Vectors.DOMAIN, Rfc8463Vectors.ED25519_SELECTOR, seed,
                "ed25519-sha256", "relaxed/relaxed");
        signed = dkimpy.sign(signed, Rfc8463Vectors.DOMAIN, Rfc8463Vectors.RSA_SELECTOR, rsaPkcs1,
                "rsa-sha256", "relaxed/relaxed");

        assertTrue(dkimpy.verify(signed, Rfc8463Vectors.dnsRecords()).allPass());
    }

    @Test
    void refusedSigningIsAnErrorNamingTheScript() {
        IllegalStateException error = assertThrows(IllegalStateException.class, () -> dkimpy.sign(
                Corpus.byName("plain-ascii").bytes(), DOMAIN, ED_SELECTOR, keys.rsa().pemFile(),
                "ed25519-sha256", "relaxed/relaxed"));
        assertTrue(error.getMessage().contains(Dkimpy.SIGN_SCRIPT), error.getMessage());
    }

    private static byte[] sign(byte[] message, String algorithm, String canon) {
        boolean rsa = algorithm.equals("rsa-sha256");
        return dkimpy.sign(message, DOMAIN, rsa ? RSA_SELECTOR : ED_SELECTOR,
                rsa ? keys.rsa().pemFile() : keys.ed25519().pemFile(), algorithm, canon);
    }

    private static int indexOf(byte[] haystack, String needle) {
        int index = new String(haystack, StandardCharsets.ISO_8859_1).lastIndexOf(needle);
        if (index < 0) {
            throw new IllegalStateException("not found: " + needle);
        }
        return index;
    }
}
