package works.cast.relay.server.smtp;

import java.util.Locale;
import java.util.Optional;
import works.cast.relay.server.message.Reply;

/**
 * The challenges and responses of one AUTH command (RFC 4954 section 4), PLAIN (RFC 4616) or LOGIN, up to the
 * credentials to check. Pure: the session feeds it the client's lines and sends the challenges it gives.
 *
 * <pre>
 * C: AUTH LOGIN          S: 334 VXNlcm5hbWU6      (Username:)
 * C: YWxpY2U=            S: 334 UGFzc3dvcmQ6      (Password:)
 * C: czNjcmV0            -> READY: {@link #takeCredentials()}
 * </pre>
 */
final class AuthExchange {

    /** What one response of the client led to. */
    enum Outcome {
        /** The client sent {@code *} (RFC 4954 section 4): the exchange is over, unauthenticated. */
        CANCELLED,
        /** The response is not base64: the exchange is over. */
        BAD_BASE64,
        /** Send {@link #challenge()} and read the next response. */
        CHALLENGE,
        /** The credentials are complete: {@link #takeCredentials()}. */
        READY
    }

    private enum Step { PLAIN, LOGIN_USER, LOGIN_PASSWORD, DONE }

    private Step step;
    private String loginUsername = "";
    private SmtpSession.Credentials credentials;

    private AuthExchange(Step step) {
        this.step = step;
    }

    /** The exchange of a mechanism named by the client (any case), or empty when the relay does not offer it. */
    static Optional<AuthExchange> start(String mechanism) {
        switch (mechanism.toUpperCase(Locale.ROOT)) {
            case "PLAIN":
                return Optional.of(new AuthExchange(Step.PLAIN));
            case "LOGIN":
                return Optional.of(new AuthExchange(Step.LOGIN_USER));
            default:
                return Optional.empty();
        }
    }

    /** The 334 challenge for the step the exchange is at: empty for PLAIN, then the LOGIN prompts. */
    Reply challenge() {
        switch (step) {
            case PLAIN:
                return Replies.authChallenge("");
            case LOGIN_USER:
                return Replies.authChallenge(Sasl.encode("Username:"));
            case LOGIN_PASSWORD:
                return Replies.authChallenge(Sasl.encode("Password:"));
            default:
                throw new IllegalStateException("AUTH exchange already complete");
        }
    }

    /** One line from the client: the initial response of the AUTH command, or the answer to a challenge. */
    Outcome respond(String line) {
        if (step == Step.DONE) {
            throw new IllegalStateException("AUTH exchange already complete");
        }
        if (line.equals("*")) {
            step = Step.DONE;
            return Outcome.CANCELLED;
        }
        Optional<String> decoded = Sasl.decode(line);
        if (decoded.isEmpty()) {
            step = Step.DONE;
            return Outcome.BAD_BASE64;
        }
        String text = decoded.get();
        switch (step) {
            case PLAIN:
                credentials = Sasl.plain(text);
                step = Step.DONE;
                return Outcome.READY;
            case LOGIN_USER:
                loginUsername = text;
                step = Step.LOGIN_PASSWORD;
                return Outcome.CHALLENGE;
            default:
                credentials = new SmtpSession.Credentials(loginUsername, text);
                loginUsername = "";
                step = Step.DONE;
                return Outcome.READY;
        }
    }

    /** The credentials of a {@link Outcome#READY} exchange; they are forgotten by this call. */
    Optional<SmtpSession.Credentials> takeCredentials() {
        Optional<SmtpSession.Credentials> c = Optional.ofNullable(credentials);
        credentials = null;
        return c;
    }
}
