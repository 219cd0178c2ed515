package works.cast.relay.server.intake;

import java.util.Objects;

/**
 * The sending-policy checks of the end of DATA, before signing: the From domain's rate ({@link AuthorGate}) and the
 * unsubscribe rules for bulk mail ({@link UnsubscribeCheck}), and the hop limit against mail loops.
 *
 * @param hopLimit most Received fields a message may carry, the one this relay adds included
 */
public record SendingChecks(AuthorGate authorGate, UnsubscribeCheck unsubscribe, int hopLimit) {

    /** Postfix's hopcount_limit default. */
    public static final int DEFAULT_HOP_LIMIT = 50;

    /** No rate limit; unsubscribe problems are not counted anywhere. */
    public static final SendingChecks NONE = new SendingChecks(AuthorGate.OPEN, UnsubscribeCheck.COUNT_ONLY);

    public SendingChecks {
        Objects.requireNonNull(authorGate, "authorGate");
        Objects.requireNonNull(unsubscribe, "unsubscribe");
        if (hopLimit < 1) {
            throw new IllegalArgumentException("hop limit must be positive: " + hopLimit);
        }
    }

    public SendingChecks(AuthorGate authorGate, UnsubscribeCheck unsubscribe) {
        this(authorGate, unsubscribe, DEFAULT_HOP_LIMIT);
    }
}
