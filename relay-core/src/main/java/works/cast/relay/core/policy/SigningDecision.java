package works.cast.relay.core.policy;

import java.util.List;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.core.mail.Domain;

/** What to do with one message, decided from its From domain (see {@link SigningPolicy}). */
public sealed interface SigningDecision {

    /** Sign with these requests (one signature each), for the signing domain. */
    record Sign(Domain authorDomain, Domain signingDomain, List<SigningRequest> requests) implements SigningDecision {
        public Sign {
            requests = List.copyOf(requests);
            if (requests.isEmpty()) {
                throw new IllegalArgumentException("sign decision without a signature");
            }
        }
    }

    /** The domain is not configured and the policy lets such mail through unsigned. */
    record PassUnsigned(Domain authorDomain) implements SigningDecision {
    }

    /** Permanent refusal (550): the domain is not ours, or the From field is unusable. */
    record Reject(String reason) implements SigningDecision {
    }

    /** Temporary refusal (451): the domain is ours but cannot be signed now; mail is never sent unsigned. */
    record TempFail(Domain signingDomain, String reason) implements SigningDecision {
    }
}
