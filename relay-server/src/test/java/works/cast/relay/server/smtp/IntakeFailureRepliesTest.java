package works.cast.relay.server.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every intake failure against the exact reply the client sees: code, enhanced status and text. */
class IntakeFailureRepliesTest {

    private record Row(IntakeFailure failure, String wire, String label) {
    }

    private static final List<Row> TABLE = List.of(
            new Row(new IntakeFailure.RateLimited("user billing"),
                    "451 4.7.0 Rate limit reached for user billing, try again later", "rate-limit"),
            new Row(new IntakeFailure.SenderNotOwned("ceo@other.example", "app"),
                    "550 5.7.1 Sender address <ceo@other.example> is not owned by user app", "sender-not-owned"),
            new Row(new IntakeFailure.AuthorNotOwned("app", "other.example"),
                    "550 5.7.1 User app may not send as other.example", "user-domain"),
            new Row(new IntakeFailure.DomainNotSigned("unknown.example"),
                    "550 5.7.1 Domain unknown.example is not signed by this relay", "unknown-domain"),
            new Row(new IntakeFailure.NoSigningKey("cast.works"),
                    "451 4.3.0 Cannot sign for cast.works now; try again later", "no-key"),
            new Row(new IntakeFailure.SigningFailed("cast.works"),
                    "451 4.3.0 Cannot sign for cast.works now; try again later", "signing-error"),
            new Row(new IntakeFailure.MalformedHeader("Header line 3 has no colon"),
                    "550 5.6.0 Header line 3 has no colon", "bad-header"),
            new Row(new IntakeFailure.MalformedFrom("From: has 2 addresses and no Sender:"),
                    "550 5.6.0 From: has 2 addresses and no Sender:", "bad-from"),
            new Row(new IntakeFailure.TooManyHops(), "554 5.4.6 Too many hops", "hops"),
            new Row(new IntakeFailure.NoOneClickUnsubscribe("no List-Unsubscribe-Post"),
                    "550 5.7.1 Bulk mail needs List-Unsubscribe with an https URI and List-Unsubscribe-Post: "
                            + "List-Unsubscribe=One-Click (RFC 8058): no List-Unsubscribe-Post", "unsubscribe"),
            new Row(new IntakeFailure.HeaderTooLarge(), "552 5.3.4 Message header block too large",
                    "header-too-large"),
            new Row(new IntakeFailure.MessageTooBig(), "552 5.3.4 Message size exceeds fixed maximum message size",
                    "size"),
            new Row(new IntakeFailure.StorageFull(), "452 4.3.1 Insufficient system storage; try again later",
                    "storage"),
            new Row(new IntakeFailure.StoreError(), "451 4.3.0 Local error in processing; try again later",
                    "storage"),
            new Row(new IntakeFailure.LocalError(), "451 4.3.0 Local error in processing; try again later",
                    "local-error"));

    @Test
    void mapsEveryFailureToItsExactReply() {
        for (Row row : TABLE) {
            assertEquals(row.wire() + "\r\n", new String(Replies.refusal(row.failure()).toWire(),
                    java.nio.charset.StandardCharsets.UTF_8), row.failure().toString());
            assertEquals(row.label(), row.failure().label(), row.failure().toString());
        }
    }

    @Test
    void tableCoversEveryKind() {
        Set<IntakeFailure.Kind> seen = EnumSet.noneOf(IntakeFailure.Kind.class);
        TABLE.forEach(r -> seen.add(r.failure().kind()));
        assertEquals(EnumSet.allOf(IntakeFailure.Kind.class), seen);
    }

    @Test
    void everyRecordNamesItsOwnKind() {
        // A record that returned another record's kind would be cast wrongly in the switch.
        for (Row row : TABLE) {
            String record = row.failure().getClass().getSimpleName();
            String kind = row.failure().kind().name().replace("_", "");
            assertEquals(kind, record.toUpperCase(java.util.Locale.ROOT), record);
        }
    }

    @Test
    void theLocalErrorHasOneText() {
        assertEquals(Replies.localError(), Replies.refusal(new IntakeFailure.LocalError()));
        assertEquals(Replies.localError(), Replies.refusal(new IntakeFailure.StoreError()));
    }
}
