package works.cast.relay.core.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestKeysTest {

    @TempDir
    Path directory;

    @Test
    void writesPkcs8PemFilesThatReadBackToTheSameKeys() throws Exception {
        TestKeys keys = TestKeys.generate(directory);
        for (TestKeys.GeneratedKey key : new TestKeys.GeneratedKey[] {keys.rsa(), keys.ed25519()}) {
            String pem = Files.readString(key.pemFile(), StandardCharsets.US_ASCII);
            assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----\n"), pem);
            assertTrue(pem.endsWith("\n-----END PRIVATE KEY-----\n"), pem);
            String body = pem.replaceAll("-----[A-Z ]+-----", "").replace("\n", "");
            PrivateKey read = KeyFactory.getInstance(key.privateKey().getAlgorithm())
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
            assertArrayEquals(key.privateKey().getEncoded(), read.getEncoded());
        }
    }

    @Test
    void dnsRecordsCarryTheRsaSubjectPublicKeyInfoAndTheRawEd25519Key() throws Exception {
        TestKeys keys = TestKeys.generate(directory);
        String rsa = keys.rsa().dnsRecord();
        assertTrue(rsa.startsWith("v=DKIM1; k=rsa; p=MIIBIjAN"), rsa);
        assertArrayEquals(keys.rsa().publicKey().getEncoded(), Base64.getDecoder().decode(rsa.substring(18)));

        String ed = keys.ed25519().dnsRecord();
        assertTrue(ed.startsWith("v=DKIM1; k=ed25519; p="), ed);
        byte[] raw = Base64.getDecoder().decode(ed.substring("v=DKIM1; k=ed25519; p=".length()));
        assertEquals(32, raw.length);
        byte[] encoded = keys.ed25519().publicKey().getEncoded();
        assertEquals(44, encoded.length);
        assertArrayEquals(raw, TestKeys.rawEd25519(keys.ed25519().publicKey()));

        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(keys.ed25519().privateKey());
        signer.update("x".getBytes(StandardCharsets.US_ASCII));
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(keys.ed25519().publicKey());
        verifier.update("x".getBytes(StandardCharsets.US_ASCII));
        assertTrue(verifier.verify(signer.sign()));
    }

    @Test
    void sharedKeysAreGeneratedOnce() {
        assertTrue(TestKeys.shared() == TestKeys.shared());
        assertTrue(Files.isRegularFile(TestKeys.shared().rsa().pemFile()));
    }
}
