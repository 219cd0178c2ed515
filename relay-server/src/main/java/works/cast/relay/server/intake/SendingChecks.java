package works.cast.relay.server.intake;

import java.util.Objects;

/**
 * The sending-policy checks of the end of DATA, before signing: the From domain's rate ({@link AuthorGate}) and the
 * unsubscribe rules for bulk mail ({@link UnsubscribeCheck}).
 */
public record SendingChecks(AuthorGate authorGate, UnsubscribeCheck unsubscribe) {

    /** No rate limit; unsubscribe problems are not counted anywhere. */
    public static final SendingChecks NONE = new SendingChecks(AuthorGate.OPEN, UnsubscribeCheck.COUNT_ONLY);

    public SendingChecks {
        Objects.requireNonNull(authorGate, "authorGate");
        Objects.requireNonNull(unsubscribe, "unsubscribe");
    }
}
