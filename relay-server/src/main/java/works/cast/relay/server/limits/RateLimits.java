package works.cast.relay.server.limits;

import java.util.Locale;
import works.cast.relay.server.config.RateLimitConfig.Match;
import works.cast.relay.server.intake.AuthorGate;
import works.cast.relay.server.smtp.IntakeFailure;
import works.cast.relay.server.smtp.Replies;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.smtp.SenderGate;
import works.cast.relay.server.smtp.SessionInfo;

/** Connects a {@link RateLimiter} to the SMTP session (at MAIL) and to the intake (at the end of DATA). */
public final class RateLimits {

    private RateLimits() {
    }

    /** The MAIL-stage gate; {@link SenderGate#OPEN} when no user or client-address rule is configured. */
    public static SenderGate senderGate(RateLimiter limiter) {
        if (!limiter.limitsSenders()) {
            return SenderGate.OPEN;
        }
        return (session, reversePath) -> limiter.admitSender(session.authUser(), session.client().getAddress())
                .thenApply(refused -> refused.map(match -> reply(match, session)));
    }

    /** The end-of-DATA gate for the From domain; {@link AuthorGate#OPEN} when no from-domain rule is configured. */
    public static AuthorGate authorGate(RateLimiter limiter) {
        if (!limiter.limitsAuthors()) {
            return AuthorGate.OPEN;
        }
        return domain -> limiter.admitFromDomain(domain)
                .thenApply(refused -> refused.map(match -> Replies.refusal(new IntakeFailure.RateLimited("domain " + domain))));
    }

    private static Reply reply(Match match, SessionInfo session) {
        return match == Match.USER
                ? Replies.refusal(new IntakeFailure.RateLimited("user " + session.authUser().orElse("?")))
                : Replies.refusal(new IntakeFailure.RateLimited("client "
                        + RateLimiter.clientKey(session.client().getAddress())));
    }

    /** The metric label of a rule kind: {@code user}, {@code from-domain}, {@code client-address}. */
    public static String label(Match match) {
        return match.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

}
