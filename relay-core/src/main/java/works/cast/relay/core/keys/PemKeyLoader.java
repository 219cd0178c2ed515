package works.cast.relay.core.keys;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads DKIM private keys from PEM: RSA in PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, as opendkim-genkey writes) or
 * PKCS#8 ({@code BEGIN PRIVATE KEY}, RSA or Ed25519, as {@code openssl genpkey} writes). Errors name the file.
 */
public final class PemKeyLoader {

    private PemKeyLoader() {
    }

    public static SigningKey load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new KeyException("key file " + file + ": not found");
        } catch (IOException e) {
            throw new KeyException("key file " + file + ": cannot read (" + e.getMessage() + ")", e);
        }
        try {
            return parse(text);
        } catch (KeyException e) {
            throw new KeyException("key file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses PEM text; the exception message says what is wrong, without a file name. */
    public static SigningKey parse(String pem) {
        Object obj;
        try (Reader r = new StringReader(pem); PEMParser parser = new PEMParser(r)) {
            obj = parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw new KeyException("not a PEM private key (" + e.getMessage() + ")", e);
        }
        if (obj == null) {
            throw new KeyException("no PEM private key found (expected BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)");
        }
        if (obj instanceof PEMEncryptedKeyPair || obj instanceof PKCS8EncryptedPrivateKeyInfo) {
            throw new KeyException("encrypted private keys are not supported; store the key unencrypted, mode 0600");
        }
        try {
            if (obj instanceof PEMKeyPair pair) {
                return fromJca(new JcaPEMKeyConverter().getKeyPair(pair));
            }
            if (obj instanceof PrivateKeyInfo info) {
                return fromPkcs8(info);
            }
            if (obj instanceof SubjectPublicKeyInfo) {
                throw new KeyException("this is a public key; a private key is needed");
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new KeyException("not a PKCS#8 or PKCS#1 key (" + e.getMessage() + ")", e);
        }
        throw new KeyException("not a PKCS#8 or PKCS#1 private key (found " + obj.getClass().getSimpleName() + ")");
    }

    private static SigningKey fromPkcs8(PrivateKeyInfo info) throws IOException, GeneralSecurityException {
        var oid = info.getPrivateKeyAlgorithm().getAlgorithm();
        if (oid.equals(EdECObjectIdentifiers.id_Ed25519)) {
            return new SigningKey.Ed25519((Ed25519PrivateKeyParameters) PrivateKeyFactory.createKey(info));
        }
        if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            PrivateKey key = new JcaPEMKeyConverter().getPrivateKey(info);
            return fromJca(new KeyPair(rsaPublic((RSAPrivateCrtKey) key), key));
        }
        throw new KeyException("unsupported key algorithm " + oid + " (RSA or Ed25519 expected)");
    }

    private static PublicKey rsaPublic(RSAPrivateCrtKey key) throws GeneralSecurityException {
        return KeyFactory.getInstance("RSA")
                .generatePublic(new RSAPublicKeySpec(key.getModulus(), key.getPublicExponent()));
    }

    private static SigningKey fromJca(KeyPair pair) {
        if (pair.getPrivate() instanceof RSAPrivateCrtKey rsa) {
            return new SigningKey.Rsa(rsa, pair.getPublic());
        }
        throw new KeyException("unsupported key type " + pair.getPrivate().getAlgorithm() + " (RSA or Ed25519 expected)");
    }
}
