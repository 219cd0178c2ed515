package works.cast.relay.server.intake;

import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.dkim.DkimSigner;
import works.cast.relay.core.dkim.MessageHasher;
import works.cast.relay.core.dkim.MessageHashes;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.core.keys.KeyException;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.core.policy.SigningDecision;
import works.cast.relay.core.policy.SigningPolicy;

/**
 * Signs mail the relay writes itself (delivery status notifications, TLS reports) with the active keys of the
 * relay's own domain, so that they pass DMARC for {@code MAILER-DAEMON@<domain>} like the mail they report on.
 * A message that cannot be signed (no active key right now) goes out unsigned with a WARN line: a bounce is
 * never held back for its signature.
 */
public final class OriginatedMailSigner implements UnaryOperator<byte[]> {

    private static final Logger log = LoggerFactory.getLogger(OriginatedMailSigner.class);

    private final SigningPolicy policy;
    private final Domain domain;
    private final DkimSigner signer;

    public OriginatedMailSigner(SigningPolicy policy, Domain domain, Clock clock) {
        this.policy = policy;
        this.domain = domain;
        this.signer = new DkimSigner(clock);
    }

    public Domain domain() {
        return domain;
    }

    /** The message with the relay's DKIM-Signature fields in front. */
    @Override
    public byte[] apply(byte[] message) {
        SigningDecision d = policy.decide(domain);
        if (!(d instanceof SigningDecision.Sign sign)) {
            log.warn("own mail sent unsigned domain={} reason={}", domain, d);
            return message;
        }
        MessageHasher hasher = new MessageHasher(Set.of(policy.bodyCanonicalization()), message.length + 1L);
        hasher.update(message, 0, message.length);
        MessageHashes hashes = hasher.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 1024);
        try {
            for (SigningRequest r : sign.requests()) {
                out.writeBytes(signer.sign(r, hashes).raw());
            }
        } catch (KeyException | IllegalArgumentException e) {
            log.warn("own mail sent unsigned domain={} error={}", domain, e.getMessage());
            return message;
        }
        out.writeBytes(message);
        return out.toByteArray();
    }
}
