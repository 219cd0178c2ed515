package works.cast.relay.server.smtp;

import java.util.Objects;

/**
 * Why the relay refuses a transaction or a message it has read: at MAIL (a sending rate limit, a sender the user does
 * not own) or at the end of DATA (the signing policy, the size of the header block, signing, the store). Each reason
 * is a record; {@link Replies#refusal} maps every one to its SMTP reply (RFC 5321 section 4.2, RFC 3463) in one
 * switch. It lives next to {@link Replies} so that the intake, the rate limits and the session share it while the
 * SMTP layer imports none of them.
 *
 * <p>Java 17 has no pattern switch: each record names its {@link Kind}, and the switch is on the kind.
 */
public sealed interface IntakeFailure {

    /** One constant per record; {@link #label()} is the reason logs and metrics show. */
    enum Kind {
        RATE_LIMITED("rate-limit"),
        SENDER_NOT_OWNED("sender-not-owned"),
        AUTHOR_NOT_OWNED("user-domain"),
        DOMAIN_NOT_SIGNED("unknown-domain"),
        NO_SIGNING_KEY("no-key"),
        SIGNING_FAILED("signing-error"),
        MALFORMED_HEADER("bad-header"),
        MALFORMED_FROM("bad-from"),
        TOO_MANY_HOPS("hops"),
        NO_ONE_CLICK_UNSUBSCRIBE("unsubscribe"),
        HEADER_TOO_LARGE("header-too-large"),
        MESSAGE_TOO_BIG("size"),
        STORAGE_FULL("storage"),
        STORE_ERROR("storage"),
        LOCAL_ERROR("local-error");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    Kind kind();

    /** The reason as the per-message log line and the rejection metric name it. */
    default String label() {
        return kind().label();
    }

    /** A sending rate limit is reached; {@code whose} says whose: "user billing", "client 192.0.2.7", "domain cast.works". */
    record RateLimited(String whose) implements IntakeFailure {
        public RateLimited {
            Objects.requireNonNull(whose, "whose");
        }

        @Override
        public Kind kind() {
            return Kind.RATE_LIMITED;
        }
    }

    /** An authenticated user's envelope sender outside its domains (Postfix: reject_sender_login_mismatch). */
    record SenderNotOwned(String sender, String user) implements IntakeFailure {
        public SenderNotOwned {
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(user, "user");
        }

        @Override
        public Kind kind() {
            return Kind.SENDER_NOT_OWNED;
        }
    }

    /** An authenticated user's From domain outside its domains. */
    record AuthorNotOwned(String user, String domain) implements IntakeFailure {
        public AuthorNotOwned {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(domain, "domain");
        }

        @Override
        public Kind kind() {
            return Kind.AUTHOR_NOT_OWNED;
        }
    }

    /** The From domain is not configured and the policy says {@code unknown-domain = reject}. */
    record DomainNotSigned(String domain) implements IntakeFailure {
        public DomainNotSigned {
            Objects.requireNonNull(domain, "domain");
        }

        @Override
        public Kind kind() {
            return Kind.DOMAIN_NOT_SIGNED;
        }
    }

    /** The signing domain has no usable key now (none active, or unreadable): refused, never sent unsigned. */
    record NoSigningKey(String signingDomain) implements IntakeFailure {
        public NoSigningKey {
            Objects.requireNonNull(signingDomain, "signingDomain");
        }

        @Override
        public Kind kind() {
            return Kind.NO_SIGNING_KEY;
        }
    }

    /** The private-key operation failed for the signing domain. */
    record SigningFailed(String signingDomain) implements IntakeFailure {
        public SigningFailed {
            Objects.requireNonNull(signingDomain, "signingDomain");
        }

        @Override
        public Kind kind() {
            return Kind.SIGNING_FAILED;
        }
    }

    /** A header block that cannot be signed so that every verifier agrees; {@code problem} names the line. */
    record MalformedHeader(String problem) implements IntakeFailure {
        public MalformedHeader {
            Objects.requireNonNull(problem, "problem");
        }

        @Override
        public Kind kind() {
            return Kind.MALFORMED_HEADER;
        }
    }

    /** No single From author to sign for; {@code problem} says why. */
    record MalformedFrom(String problem) implements IntakeFailure {
        public MalformedFrom {
            Objects.requireNonNull(problem, "problem");
        }

        @Override
        public Kind kind() {
            return Kind.MALFORMED_FROM;
        }
    }

    /** More Received fields than the hop limit: the message is going round in a loop (Postfix "too many hops"). */
    record TooManyHops() implements IntakeFailure {
        @Override
        public Kind kind() {
            return Kind.TOO_MANY_HOPS;
        }
    }

    /** Bulk mail without a working one-click unsubscribe (RFC 8058), when the relay requires one. */
    record NoOneClickUnsubscribe(String problem) implements IntakeFailure {
        public NoOneClickUnsubscribe {
            Objects.requireNonNull(problem, "problem");
        }

        @Override
        public Kind kind() {
            return Kind.NO_ONE_CLICK_UNSUBSCRIBE;
        }
    }

    /** The header block is larger than {@code limits.header-size}. */
    record HeaderTooLarge() implements IntakeFailure {
        @Override
        public Kind kind() {
            return Kind.HEADER_TOO_LARGE;
        }
    }

    /** The message (or the SIZE it declares) is larger than {@code limits.message-size}. */
    record MessageTooBig() implements IntakeFailure {
        @Override
        public Kind kind() {
            return Kind.MESSAGE_TOO_BIG;
        }
    }

    /** The spool or the queue could not take the message (a full disk, a failed write or fsync): 452. */
    record StorageFull() implements IntakeFailure {
        @Override
        public Kind kind() {
            return Kind.STORAGE_FULL;
        }
    }

    /** A read or rewrite of the spooled message failed. */
    record StoreError() implements IntakeFailure {
        @Override
        public Kind kind() {
            return Kind.STORE_ERROR;
        }
    }

    /** Anything else that went wrong inside the relay: a temporary failure, never a 5xx. */
    record LocalError() implements IntakeFailure {
        @Override
        public Kind kind() {
            return Kind.LOCAL_ERROR;
        }
    }
}
