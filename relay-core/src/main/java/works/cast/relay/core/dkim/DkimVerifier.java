package works.cast.relay.core.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import works.cast.relay.core.dkim.VerificationResult.Status;
import works.cast.relay.core.dkim.canon.BodyHasher;
import works.cast.relay.core.keys.DkimKeyRecord;
import works.cast.relay.core.keys.SigningKey;
import works.cast.relay.core.mail.HeaderBlock;
import works.cast.relay.core.mail.HeaderField;
import works.cast.relay.core.mail.HeaderParser;

/**
 * Verifies every DKIM-Signature field of a message (RFC 6376 section 6), reading the message once: the header
 * block first, then the body through one hasher per distinct body canonicalization and length.
 *
 * <p>Thread-safe; key lookups go through the {@link KeyResolver} and may block.
 */
public final class DkimVerifier {

    /** How far in the future a t= may lie before the signature is refused (clock skew). */
    private static final long FUTURE_SLOP_SECONDS = 300;

    private final KeyResolver keys;
    private final Clock clock;
    private final long maxHeaderBytes;

    public DkimVerifier(KeyResolver keys, Clock clock) {
        this(keys, clock, 1 << 20);
    }

    public DkimVerifier(KeyResolver keys, Clock clock, long maxHeaderBytes) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxHeaderBytes = maxHeaderBytes;
    }

    /** One result per DKIM-Signature field, top first; an empty list when the message has none. */
    public List<VerificationResult> verify(InputStream message) throws IOException {
        HeaderParser parser = new HeaderParser(maxHeaderBytes);
        byte[] buf = new byte[64 * 1024];
        int n;
        int used = 0;
        while (!parser.isComplete() && (n = message.read(buf)) > 0) {
            used = parser.update(buf, 0, n);
            if (parser.isComplete()) {
                n -= used;
                System.arraycopy(buf, used, buf, 0, n);
                used = n;
                break;
            }
            used = 0;
        }
        HeaderBlock headers = parser.headers();
        List<HeaderField> fields = headers.all("dkim-signature");
        List<Object> parsed = new ArrayList<>(); // SignatureTags or SignatureTags.Invalid
        Map<String, BodyHasher> hashers = new HashMap<>();
        for (HeaderField f : fields) {
            try {
                SignatureTags t = SignatureTags.parse(f);
                parsed.add(t);
                hashers.computeIfAbsent(hasherKey(t), k -> new BodyHasher(t.bodyCanonicalization(), t.bodyLimit()));
            } catch (SignatureTags.Invalid e) {
                parsed.add(e);
            }
        }
        if (parser.isComplete()) {
            feed(hashers, buf, 0, used);
            while ((n = message.read(buf)) > 0) {
                feed(hashers, buf, 0, n);
            }
        }
        List<VerificationResult> results = new ArrayList<>(parsed.size());
        for (Object p : parsed) {
            if (p instanceof SignatureTags.Invalid e) {
                results.add(new VerificationResult(e.domain, e.selector, e.algorithm, Status.PERMERROR, e.getMessage()));
            } else {
                SignatureTags t = (SignatureTags) p;
                results.add(check(t, headers, hashers.get(hasherKey(t))));
            }
        }
        return results;
    }

    private static void feed(Map<String, BodyHasher> hashers, byte[] b, int off, int len) {
        for (BodyHasher h : hashers.values()) {
            h.update(b, off, len);
        }
    }

    private static String hasherKey(SignatureTags t) {
        return t.bodyCanonicalization() + "/" + t.bodyLimit();
    }

    private VerificationResult check(SignatureTags t, HeaderBlock headers, BodyHasher hasher) {
        long now = clock.instant().getEpochSecond();
        if (t.expires() != null && t.expires() < now) {
            return result(t, Status.PERMERROR, "signature expired (x=" + t.expires() + ")");
        }
        if (t.timestamp() != null && t.timestamp() > now + FUTURE_SLOP_SECONDS) {
            return result(t, Status.PERMERROR, "signature timestamp t= is in the future");
        }
        byte[] bodyHash = hasher.finish();
        if (t.bodyLimit() >= 0 && hasher.canonicalLength() < t.bodyLimit()) {
            return result(t, Status.PERMERROR, "l= is longer than the body");
        }
        KeyResolver.Lookup lookup = keys.lookup(t.selector(), t.domain());
        if (lookup instanceof KeyResolver.TempError e) {
            return result(t, Status.TEMPERROR, "key lookup failed: " + e.reason());
        }
        if (lookup instanceof KeyResolver.NotFound e) {
            return result(t, Status.PERMERROR, "key not found: " + e.reason());
        }
        List<String> records = ((KeyResolver.Found) lookup).records();
        if (records.isEmpty()) {
            return result(t, Status.PERMERROR, "key not found: no TXT record");
        }
        DkimKeyRecord key;
        try {
            key = DkimKeyRecord.parse(records.get(0));
        } catch (IllegalArgumentException e) {
            return result(t, Status.PERMERROR, "bad key record: " + e.getMessage());
        }
        if (key.revoked()) {
            return result(t, Status.PERMERROR, "key revoked (empty p=)");
        }
        if (!key.keyType().equals(t.algorithm().keyType())) {
            return result(t, Status.PERMERROR, "key type k=" + key.keyType() + " does not match a=" + t.algorithmText());
        }
        if (!key.hashes().isEmpty() && !key.hashes().contains("sha256")) {
            return result(t, Status.PERMERROR, "key record h= does not allow sha256");
        }
        if (!key.services().contains("*") && !key.services().contains("email")) {
            return result(t, Status.PERMERROR, "key record s= does not allow email");
        }
        if (!MessageDigest.isEqual(bodyHash, t.bodyHash())) {
            return result(t, Status.FAIL, "body hash mismatch");
        }
        byte[] data = DkimSigner.headerData(headers, t.signedHeaders(), t.headerCanonicalization(),
                t.withoutSignatureValue());
        try {
            boolean ok = switch (t.algorithm()) {
                case RSA_SHA256 -> verifyRsa(key.publicKey(), data, t.signature());
                case ED25519_SHA256 -> verifyEd25519(key.publicKey(), data, t.signature());
            };
            return ok ? result(t, Status.PASS, "ok") : result(t, Status.FAIL, "signature did not verify");
        } catch (KeyTooSmall e) {
            return result(t, Status.PERMERROR, e.getMessage());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return result(t, Status.PERMERROR, "unusable public key: " + e.getMessage());
        }
    }

    private static final class KeyTooSmall extends Exception {
        KeyTooSmall(int bits) {
            super("RSA key of " + bits + " bits is too small (RFC 8301 requires 1024)");
        }
    }

    private static boolean verifyRsa(byte[] der, byte[] data, byte[] sig) throws GeneralSecurityException, KeyTooSmall {
        PublicKey pub = rsaPublicKey(der);
        int bits = ((RSAPublicKey) pub).getModulus().bitLength();
        if (bits < SigningKey.MIN_RSA_BITS) {
            throw new KeyTooSmall(bits);
        }
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initVerify(pub);
        s.update(data);
        try {
            return s.verify(sig);
        } catch (java.security.SignatureException e) {
            return false;
        }
    }

    /** SubjectPublicKeyInfo as RFC 6376 says, or a bare PKCS#1 RSAPublicKey, which some publishers use. */
    private static PublicKey rsaPublicKey(byte[] der) throws GeneralSecurityException {
        KeyFactory kf = KeyFactory.getInstance("RSA");
        try {
            return kf.generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            try {
                org.bouncycastle.asn1.pkcs.RSAPublicKey pk = org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(der);
                return kf.generatePublic(new java.security.spec.RSAPublicKeySpec(pk.getModulus(), pk.getPublicExponent()));
            } catch (RuntimeException notPkcs1) {
                throw e;
            }
        }
    }

    private static boolean verifyEd25519(byte[] raw, byte[] data, byte[] sig) {
        if (raw.length != Ed25519PublicKeyParameters.KEY_SIZE) {
            throw new IllegalArgumentException("Ed25519 key must be 32 bytes, got " + raw.length);
        }
        if (sig.length != Ed25519.SIGNATURE_SIZE) {
            return false;
        }
        byte[] digest = BodyHasher.sha256().digest(data);
        return new Ed25519PublicKeyParameters(raw, 0).verify(Ed25519.Algorithm.Ed25519, null, digest, 0,
                digest.length, sig, 0);
    }

    private static VerificationResult result(SignatureTags t, Status s, String reason) {
        return new VerificationResult(t.domain(), t.selector(), t.algorithmText(), s, reason);
    }
}
