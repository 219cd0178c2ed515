package works.cast.relay.server.smtp;

import java.util.Optional;
import works.cast.relay.server.message.Reply;

/**
 * The AUTH side of one session (RFC 4954): whether AUTH is offered, the checks on the AUTH command, the exchange under
 * way ({@link AuthExchange}) and its check by the authenticator, and the user once authenticated. Pure; the session
 * keeps the command sequence and counts the errors.
 */
final class SessionAuth {

    private enum Phase { NONE, EXCHANGE, CHECK }

    private final boolean configured;
    private final boolean requireTls;
    private final String sessionId;
    private Phase phase = Phase.NONE;
    private AuthExchange exchange;
    private Optional<String> initialResponse = Optional.empty();
    private Optional<Authenticator.User> user = Optional.empty();

    /**
     * @param configured the relay has users, so AUTH exists at all
     * @param requireTls AUTH only on a TLS session ({@code access.require-tls-for-auth})
     */
    SessionAuth(boolean configured, boolean requireTls, String sessionId) {
        this.configured = configured;
        this.requireTls = requireTls;
        this.sessionId = sessionId;
    }

    /** AUTH appears in the EHLO reply: configured, not yet authenticated, and TLS when it must be. */
    boolean offered(boolean tls) {
        return configured && user.isEmpty() && (!requireTls || tls);
    }

    /**
     * Checks an AUTH command and starts its exchange.
     *
     * @param inSequence the session is between transactions after EHLO
     * @return the reply that refuses the command (an error), or empty when the exchange began
     */
    Optional<Reply> begin(String argument, boolean inSequence, boolean tls) {
        if (!configured) {
            return Optional.of(Replies.authNotAvailable());
        }
        if (!inSequence) {
            return Optional.of(Replies.badSequence());
        }
        if (user.isPresent()) {
            return Optional.of(Replies.alreadyAuthenticated());
        }
        if (requireTls && !tls) {
            return Optional.of(Replies.tlsRequiredForAuth());
        }
        String[] parts = argument.split(" ", -1);
        if (parts.length > 2) {
            return Optional.of(Replies.syntax("Syntax: AUTH mechanism [initial-response]"));
        }
        Optional<AuthExchange> started = AuthExchange.start(parts[0]);
        if (started.isEmpty()) {
            return Optional.of(Replies.unsupportedMechanism());
        }
        exchange = started.get();
        initialResponse = parts.length == 2 ? Optional.of(parts[1]) : Optional.empty();
        phase = Phase.EXCHANGE;
        return Optional.empty();
    }

    /** The initial response given with the AUTH command (RFC 4954 section 4), once. */
    Optional<String> takeInitialResponse() {
        Optional<String> r = initialResponse;
        initialResponse = Optional.empty();
        return r;
    }

    /** The next 334 challenge of the exchange. */
    Reply challenge() {
        return exchange.challenge();
    }

    /** One response of the client; {@code READY} moves on to the check, {@code CANCELLED}/{@code BAD_BASE64} end it. */
    AuthExchange.Outcome respond(String line) {
        AuthExchange.Outcome outcome = exchange.respond(line);
        switch (outcome) {
            case READY:
                phase = Phase.CHECK;
                break;
            case CHALLENGE:
                break;
            default:
                end();
        }
        return outcome;
    }

    /** True while the client's next line answers a challenge. */
    boolean awaitingResponse() {
        return phase == Phase.EXCHANGE;
    }

    /** The credentials to check; they are forgotten by this call. */
    SmtpSession.Credentials takeCredentials() {
        Optional<SmtpSession.Credentials> c = phase == Phase.CHECK ? exchange.takeCredentials() : Optional.empty();
        return c.orElseThrow(() -> new IllegalStateException("session " + sessionId + ": no credentials to check"));
    }

    /** The credentials could not be checked now ({@link Authenticator.Busy}): 454, the client may try again. */
    Reply unavailable() {
        endCheck();
        return Replies.authUnavailable();
    }

    /** The authenticator's answer: the user is authenticated, or the credentials were wrong. */
    Reply result(Optional<Authenticator.User> result) {
        endCheck();
        if (result.isEmpty()) {
            return Replies.authFailed();
        }
        user = result;
        return Replies.authSucceeded();
    }

    Optional<Authenticator.User> user() {
        return user;
    }

    /** After STARTTLS the session starts over unauthenticated (RFC 3207 section 4.2). */
    void forgetUser() {
        user = Optional.empty();
    }

    private void endCheck() {
        if (phase != Phase.CHECK) {
            throw new IllegalStateException("session " + sessionId + ": no AUTH in progress");
        }
        end();
    }

    private void end() {
        phase = Phase.NONE;
        exchange = null;
    }
}
