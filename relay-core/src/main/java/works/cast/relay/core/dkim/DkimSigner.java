package works.cast.relay.core.dkim;

import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.dkim.canon.HeaderCanonicalizer;
import works.cast.relay.core.mail.HeaderBlock;
import works.cast.relay.core.mail.HeaderField;

/**
 * Creates DKIM-Signature fields (RFC 6376 section 5; RFC 8463 for Ed25519) from a message already read by
 * {@link MessageHasher}: at this point only the header hash and the private-key operation remain.
 *
 * <p>Immutable and thread-safe; time comes from the injected clock.
 */
public final class DkimSigner {

    private final Clock clock;

    public DkimSigner(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Signs once per request, in order; the fields go above the message in that order. */
    public List<HeaderField> signAll(List<SigningRequest> requests, MessageHashes message) {
        List<HeaderField> out = new ArrayList<>(requests.size());
        for (SigningRequest r : requests) {
            out.add(sign(r, message));
        }
        return out;
    }

    /** One DKIM-Signature field, with its CRLF. */
    public HeaderField sign(SigningRequest request, MessageHashes message) {
        long now = clock.instant().getEpochSecond();
        Long expires = request.expireAfter().map(d -> now + Math.max(1, d.getSeconds())).orElse(null);
        List<String> h = HeaderSelection.choose(message.headers(), request.headers(), request.oversign());
        String bh = Base64.getEncoder().encodeToString(message.bodyHash(request.bodyCanonicalization()));
        String unsigned = SignatureHeaderWriter.unsigned(request.algorithm(),
                request.headerCanonicalization().tagValue() + "/" + request.bodyCanonicalization().tagValue(),
                request.domain().name(), request.selector(), now, expires, h, bh);
        byte[] data = headerData(message.headers(), h, request.headerCanonicalization(), HeaderField.parse(unsigned));
        byte[] sig = request.key().sign(data);
        return HeaderField.parse(SignatureHeaderWriter.complete(unsigned, Base64.getEncoder().encodeToString(sig)));
    }

    /**
     * The header data to sign or verify: the fields named by {@code h}, canonicalized, then the DKIM-Signature field
     * itself with an empty {@code b=} and without its final CRLF (RFC 6376 section 3.7).
     *
     * @param unsignedSignature the DKIM-Signature field with the {@code b=} value removed
     */
    public static byte[] headerData(HeaderBlock headers, List<String> h, Canonicalization c,
                                    HeaderField unsignedSignature) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        HeaderSelection.appendSignedFields(headers, h, c, out);
        HeaderCanonicalizer.canonicalizeWithoutCrlf(c, unsignedSignature, out);
        return out.toByteArray();
    }
}
