package works.cast.relay.core.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.dkim.SigningAlgorithm;

class PemKeyLoaderTest {

    private static String pkcs8(KeyPair pair) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(new JcaPKCS8Generator(pair.getPrivate(), null));
        }
        return w.toString();
    }

    private static String pkcs1(KeyPair pair) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(pair.getPrivate()); // RSA keys are written as BEGIN RSA PRIVATE KEY
        }
        return w.toString();
    }

    private static KeyPair rsa(int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(bits);
        return g.generateKeyPair();
    }

    @Test
    void readsRsaInBothForms() throws Exception {
        KeyPair pair = rsa(2048);
        String one = pkcs1(pair);
        assertTrue(one.contains("BEGIN RSA PRIVATE KEY"));
        SigningKey a = PemKeyLoader.parse(one);
        SigningKey b = PemKeyLoader.parse(pkcs8(pair));
        assertEquals(SigningAlgorithm.RSA_SHA256, a.algorithm());
        assertEquals(2048, a.bits());
        assertEquals(a.publicKeyBase64(), b.publicKeyBase64());
    }

    @Test
    void readsEd25519Pkcs8() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        SigningKey k = PemKeyLoader.parse(pkcs8(pair));
        assertEquals(SigningAlgorithm.ED25519_SHA256, k.algorithm());
        byte[] spki = pair.getPublic().getEncoded();
        assertEquals(java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length)),
                k.publicKeyBase64());
    }

    @Test
    void refusesSmallKeysWithAClearError() throws Exception {
        KeyException e = assertThrows(KeyException.class, () -> PemKeyLoader.parse(pkcs8(rsa(768))));
        assertTrue(e.getMessage().contains("768 bits is too small"), e.getMessage());
    }

    @Test
    void errorsNameTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("s1.private");
        Files.writeString(f, "not a key\n");
        KeyException e = assertThrows(KeyException.class, () -> PemKeyLoader.load(f));
        assertTrue(e.getMessage().startsWith("key file " + f + ": "), e.getMessage());
        KeyException missing = assertThrows(KeyException.class, () -> PemKeyLoader.load(dir.resolve("nope")));
        assertTrue(missing.getMessage().endsWith("not found"), missing.getMessage());
    }

    @Test
    void zoneFileSplitsLongRecordsAndReadsBack() throws Exception {
        SigningKey k = PemKeyLoader.parse(pkcs8(rsa(4096)));
        String zone = DnsTxtRecord.zoneFile("s1", "cast.works", k);
        assertTrue(zone.startsWith("s1._domainkey\tIN\tTXT\t( \"v=DKIM1; h=sha256; k=rsa; \""), zone);
        for (String part : DnsTxtRecord.split(DnsTxtRecord.value(k))) {
            assertTrue(part.length() <= 255);
        }
        assertEquals(DnsTxtRecord.value(k), DnsTxtRecord.parseZoneFile(zone));
        assertEquals(k.publicKeyBase64(), DkimKeyRecord.parse(DnsTxtRecord.parseZoneFile(zone)).publicKeyBase64());
    }
}
