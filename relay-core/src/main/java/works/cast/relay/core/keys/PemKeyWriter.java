package works.cast.relay.core.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;

/** Writes private keys as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}, RFC 5958 and RFC 7468 section 10). */
public final class PemKeyWriter {

    /** The RFC 7468 label of a PKCS#8 private key. */
    private static final String LABEL = "PRIVATE KEY";

    private PemKeyWriter() {
    }

    public static String pkcs8(SigningKey key) {
        byte[] der;
        if (key instanceof SigningKey.Rsa rsa) {
            der = rsa.privateKey().getEncoded();
        } else {
            try {
                der = PrivateKeyInfoFactory.createPrivateKeyInfo(((SigningKey.Ed25519) key).privateKey()).getEncoded();
            } catch (IOException e) {
                throw new KeyException("cannot encode Ed25519 key: " + e.getMessage(), e);
            }
        }
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + LABEL + "-----\n" + b64 + "\n-----END " + LABEL + "-----\n";
    }
}
