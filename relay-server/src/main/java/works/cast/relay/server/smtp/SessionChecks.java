package works.cast.relay.server.smtp;

import io.netty.channel.ChannelHandlerContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.net.LogText;

/**
 * The answers a session waits for from outside the event loop: the AUTH credentials, checked in the client's turn
 * ({@link AuthTurns}) and answered after the failure delay when wrong (RFC 4954), and the {@link SenderGate} at MAIL.
 * While one is pending the connection reads nothing. Called on the channel's event loop; answers come back to it.
 */
final class SessionChecks {

    private static final Logger log = LoggerFactory.getLogger(SmtpSessionHandler.class);

    private final SmtpSessionHandler handler;
    private final ChannelHandlerContext ctx;
    private final SmtpServerSettings settings;
    private final SmtpServerContext shared;
    private final SmtpSession session;
    private final InetSocketAddress client;
    private final ReplyWriter replies;

    SessionChecks(SmtpSessionHandler handler, ChannelHandlerContext ctx, SmtpServerSettings settings,
                  SmtpServerContext shared, SmtpSession session, InetSocketAddress client, ReplyWriter replies) {
        this.handler = handler;
        this.ctx = ctx;
        this.settings = settings;
        this.shared = shared;
        this.session = session;
        this.client = client;
        this.replies = replies;
    }

    /** Checks the credentials in this client's turn ({@link AuthTurns}); the turn ends when the AUTH is answered. */
    void authenticate() {
        SmtpSession.Credentials credentials = session.takeCredentials();
        handler.await();
        shared.authTurns().inTurn(client.getAddress(), () -> {
            CompletableFuture<Void> answered = new CompletableFuture<>();
            if (!ctx.channel().isActive()) {
                answered.complete(null); // gone while waiting for its turn
                return answered;
            }
            shared.authenticator().authenticate(credentials.username(), credentials.password())
                    .whenComplete((user, error) -> {
                        try {
                            ctx.executor().execute(() -> authenticated(credentials.username(), user, error,
                                    answered));
                        } catch (RejectedExecutionException e) {
                            answered.complete(null); // the event loop is shutting down
                        }
                    });
            return answered;
        });
    }

    /** Asks the sender gate about the MAIL just accepted by the session. */
    void checkSender() {
        handler.await();
        shared.senderGate().admit(session.sessionInfo(), session.reversePath())
                .whenComplete((refusal, error) -> ctx.executor().execute(() -> {
                    if (!ctx.channel().isActive()) {
                        return;
                    }
                    if (error != null) {
                        log.warn("smtp sender check failed session={}, accepting: {}", session.sessionId(),
                                error.toString());
                    }
                    Optional<Reply> r = error == null && refusal != null ? refusal : Optional.empty();
                    r.ifPresent(reply -> log.info("smtp mail refused session={} reply=\"{}\"", session.sessionId(),
                            reply.summary()));
                    replies.write(session.onSenderChecked(r).reply().orElseThrow());
                    handler.resume();
                }));
    }

    private void authenticated(String username, Optional<Authenticator.User> result, Throwable error,
                               CompletableFuture<Void> answered) {
        if (!ctx.channel().isActive()) {
            answered.complete(null);
            return;
        }
        String sessionId = session.sessionId();
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof Authenticator.Busy) {
            log.info("smtp auth session={} user={} result=unavailable", sessionId, LogText.escape(username));
            replies.write(session.onAuthUnavailable().reply().orElseThrow());
            handler.resume();
            answered.complete(null);
            return;
        }
        Optional<Authenticator.User> user = error == null && result != null ? result : Optional.empty();
        SmtpSession.Action action = session.onAuthResult(user);
        if (user.isPresent()) {
            log.info("smtp auth session={} user={} result=ok", sessionId, LogText.escape(user.get().name()));
            replies.write(action.reply().orElseThrow());
            handler.resume();
            answered.complete(null);
            return;
        }
        boolean blocked = shared.authFailures().recordFailure(client.getAddress());
        log.info("smtp auth session={} user={} result=failed blocked={}", sessionId, LogText.escape(username),
                blocked);
        Duration delay = settings.limits().authFailureDelay();
        ctx.executor().schedule(() -> {
            try {
                if (blocked) {
                    handler.closeWith(Replies.tooManyAuthFailures());
                } else if (ctx.channel().isActive()) {
                    replies.write(action.reply().orElseThrow());
                    handler.resume();
                }
            } finally {
                answered.complete(null);
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
}
