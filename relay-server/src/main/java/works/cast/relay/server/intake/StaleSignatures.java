package works.cast.relay.server.intake;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.core.dkim.TagList;
import works.cast.relay.core.mail.HeaderField;

/**
 * DKIM-Signature fields of a received message that carry the same {@code d=} and {@code s=} as a signature the
 * relay is about to add (an application that signs itself, or a second relay in a chain). Such a copy is stale: it
 * would reach the receiver beside the new one under one key name, and verifiers may judge by either. The relay drops
 * it from the spooled bytes ({@link HeaderEdits}); signatures of other domains or selectors stay untouched.
 *
 * <p>The new signature never covers DKIM-Signature fields, so removing them keeps it valid.
 */
final class StaleSignatures {

    private StaleSignatures() {
    }

    /** True when {@code f} is a DKIM-Signature under the d= and s= of one of the requests. */
    static boolean isStale(HeaderField f, List<SigningRequest> requests) {
        if (!f.is("dkim-signature")) {
            return false;
        }
        Optional<String> d;
        Optional<String> s;
        try {
            TagList tags = TagList.parse(f.unfoldedValue());
            d = tags.getCompact("d");
            s = tags.getCompact("s");
        } catch (IllegalArgumentException malformed) {
            return false; // not ours to judge: a verifier will call it broken either way
        }
        if (d.isEmpty() || s.isEmpty()) {
            return false;
        }
        String domain = d.get().toLowerCase(Locale.ROOT);
        for (SigningRequest r : requests) {
            if (r.domain().name().equals(domain) && r.selector().equalsIgnoreCase(s.get())) {
                return true;
            }
        }
        return false;
    }
}
