package works.cast.relay.server.delivery;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.smtp.DefaultLastSmtpContent;
import io.netty.handler.codec.smtp.DefaultSmtpRequest;
import io.netty.handler.codec.smtp.SmtpCommand;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.smtp.Replies;

/**
 * One mail transaction on an open upstream session (RFC 5321 section 3.3): RSET when the session was used before,
 * MAIL FROM, one RCPT TO per recipient and DATA, all in one write with PIPELINING (RFC 2920) or one at a time
 * without, then the dot-stuffed content ({@link ContentPump}) and the reply to the final dot. Each recipient's result
 * goes into the map the caller gives, naming this server. Runs on the connection's event loop; a connection failure,
 * timeout or protocol error fails the stage, and the caller defers the recipients without a result.
 */
final class UpstreamTransaction {

    private static final Logger log = LoggerFactory.getLogger(UpstreamTransaction.class);

    private final UpstreamConnection conn;
    private final UpstreamSettings settings;
    private final Executor io;
    private final Extensions extensions;
    private final boolean requireTlsOffered;
    private final Optional<String> remote;
    private final OutboundMessage m;
    private final Map<String, DeliveryResult> results;
    private final List<String> accepted = new ArrayList<>();
    private boolean needsReset;
    private boolean serverClosing;

    /**
     * @param host       the server's name, reported in every result
     * @param extensions what the server offered in its last EHLO reply
     * @param requireTlsOffered the server offered REQUIRETLS inside TLS (RFC 8689 section 4.2.1)
     * @param io         an executor for blocking reads of message content
     * @param results    where the recipients' results go
     */
    UpstreamTransaction(UpstreamConnection conn, UpstreamSettings settings, Executor io, String host,
                        Extensions extensions, boolean requireTlsOffered, OutboundMessage m,
                        Map<String, DeliveryResult> results) {
        this.conn = conn;
        this.settings = settings;
        this.io = io;
        this.extensions = extensions;
        this.requireTlsOffered = requireTlsOffered;
        this.remote = Optional.of(host);
        this.m = m;
        this.results = results;
    }

    /** A local refusal when the server cannot take the message as it is (nothing is rewritten), or null. */
    static Reply precheck(OutboundMessage m, Extensions extensions, boolean requireTlsOffered, String peer) {
        if (m.smtpUtf8() && !extensions.smtpUtf8()) {
            return Replies.upstreamWithoutSmtpUtf8(peer);
        }
        if (m.eightBit() && !extensions.eightBitMime()) {
            return Replies.upstreamWithout8BitMime(peer);
        }
        if (m.requiresTls() && !requireTlsOffered) {
            // Backstop: the forwarders pick a session that satisfies REQUIRETLS before they get here.
            return Replies.requireTlsNotOffered(peer);
        }
        if (extensions.size() && extensions.maxSize() > 0 && m.size() > extensions.maxSize()) {
            return Replies.upstreamSizeExceeded(m.size(), peer, extensions.maxSize());
        }
        return null;
    }

    /** True while a DATA was accepted or is in flight and its content never ended: QUIT needs an RSET first. */
    boolean needsReset() {
        return needsReset;
    }

    /** The server said 421 to the final dot: the session is over. */
    boolean serverClosing() {
        return serverClosing;
    }

    /** Sends the message; {@code reset} says RSET first (the session carried a message before). */
    CompletableFuture<Void> run(boolean reset) {
        List<CharSequence> mail = new ArrayList<>();
        mail.add(utf8("FROM:<" + m.reversePath() + ">"));
        if (extensions.size()) {
            mail.add("SIZE=" + m.size());
        }
        if (m.eightBit()) {
            mail.add("BODY=8BITMIME");
        }
        if (m.smtpUtf8()) {
            mail.add("SMTPUTF8");
        }
        if (m.tls() == TlsRequirement.REQUIRED && requireTlsOffered) {
            mail.add("REQUIRETLS"); // RFC 8689 section 4.2.1; also a DSN of such a message, where offered (section 5)
        }
        DefaultSmtpRequest mailRequest = new DefaultSmtpRequest(SmtpCommand.MAIL, mail.toArray(new CharSequence[0]));
        return extensions.pipelining() ? pipelined(reset, mailRequest) : lockStep(reset, mailRequest);
    }

    private CompletableFuture<Void> pipelined(boolean reset, DefaultSmtpRequest mailRequest) {
        CompletableFuture<Reply> rset = reset ? conn.send(new DefaultSmtpRequest(SmtpCommand.RSET),
                settings.commandTimeout(), "RSET") : CompletableFuture.completedFuture(null);
        CompletableFuture<Reply> mailReply = conn.send(mailRequest, settings.commandTimeout(), "MAIL");
        List<CompletableFuture<Reply>> rcpts = new ArrayList<>();
        for (String r : m.recipients()) {
            rcpts.add(conn.send(rcpt(r), settings.commandTimeout(), "RCPT"));
        }
        CompletableFuture<Reply> data = conn.send(new DefaultSmtpRequest(SmtpCommand.DATA),
                settings.commandTimeout(), "DATA");
        needsReset = true;
        conn.flush();
        return data.thenCompose(d -> {
            checkReset(rset.join());
            Reply mailed = completion("MAIL", mailReply.join());
            for (int i = 0; i < rcpts.size(); i++) {
                String r = m.recipients().get(i);
                Reply reply = mailed.code() / 100 == 2 ? completion("RCPT", rcpts.get(i).join()) : mailed;
                recipient(r, reply);
            }
            return afterData(d);
        });
    }

    private CompletableFuture<Void> lockStep(boolean reset, DefaultSmtpRequest mailRequest) {
        CompletableFuture<Reply> start = reset ? command(new DefaultSmtpRequest(SmtpCommand.RSET), "RSET")
                : CompletableFuture.completedFuture(null);
        return start.thenCompose(rset -> {
            checkReset(rset);
            return command(mailRequest, "MAIL");
        }).thenApply(mailed -> completion("MAIL", mailed)).thenCompose(mailed -> {
            if (mailed.code() / 100 != 2) {
                m.recipients().forEach(r -> results.put(r, result(mailed)));
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
            for (String r : m.recipients()) {
                chain = chain.thenCompose(v -> command(rcpt(r), "RCPT"))
                        .thenAccept(reply -> recipient(r, completion("RCPT", reply)));
            }
            return chain.thenCompose(v -> {
                if (accepted.isEmpty()) {
                    return CompletableFuture.completedFuture(null);
                }
                needsReset = true;
                return command(new DefaultSmtpRequest(SmtpCommand.DATA), "DATA").thenCompose(this::afterData);
            });
        });
    }

    private CompletableFuture<Reply> command(Object request, String step) {
        return conn.command(request, settings.commandTimeout(), step);
    }

    private void checkReset(Reply rset) {
        if (rset != null && rset.code() != 250) {
            throw new CompletionException(UpstreamException.refused(conn.peer(), "RSET", rset));
        }
    }

    /**
     * A reply to MAIL, RCPT or the end of data as it may be: 2xx done, 4xx or 5xx refused. Anything else (a 3xx, which
     * Postfix's client also refuses to read as success) is a protocol error that defers the attempt.
     */
    private Reply completion(String step, Reply reply) {
        if (reply.code() / 100 == 3) {
            throw new CompletionException(UpstreamException.protocol(conn.peer(),
                    new IllegalStateException(step + " answered " + reply.summary())));
        }
        return reply;
    }

    private void recipient(String r, Reply reply) {
        if (reply.code() / 100 == 2) {
            accepted.add(r);
        } else {
            results.put(r, result(reply));
        }
    }

    private CompletableFuture<Void> afterData(Reply data) {
        if (data.code() != 354) {
            if (data.isPositive()) {
                throw new CompletionException(UpstreamException.protocol(conn.peer(),
                        new IllegalStateException("DATA answered " + data.summary())));
            }
            accepted.forEach(r -> results.put(r, result(data)));
            return CompletableFuture.completedFuture(null);
        }
        needsReset = false;
        if (accepted.isEmpty()) {
            // RFC 2920 section 3.1: DATA accepted without recipients; end it at once and ignore the reply.
            CompletableFuture<Reply> end = conn.expect(settings.dataTimeout(), "reply to empty data");
            conn.channel().writeAndFlush(new DefaultLastSmtpContent(Unpooled.EMPTY_BUFFER));
            return end.thenAccept(r -> { });
        }
        CompletableFuture<Reply> finalReply = conn.expect(null, "message content");
        ContentPump pump = new ContentPump(conn, m.content(), io, finalReply, settings.commandTimeout(),
                settings.dataTimeout());
        pump.start();
        return finalReply.thenAccept(reply -> {
            if (!pump.completed()) {
                // RFC 5321 section 4.1.1.4: the reply comes after the final dot; one before it says nothing about
                // the message, and applying it could drop a message the server never received.
                throw new CompletionException(UpstreamException.protocol(conn.peer(), new IllegalStateException(
                        "reply before the end of data: " + reply.summary())));
            }
            completion("end of data", reply);
            if (reply.code() == 421) {
                serverClosing = true;
            }
            accepted.forEach(r -> results.put(r, result(reply)));
            log.debug("upstream data id={} peer={} reply=\"{}\"", m.id(), conn.peer(), reply.summary());
        });
    }

    private static DefaultSmtpRequest rcpt(String recipient) {
        return new DefaultSmtpRequest(SmtpCommand.RCPT, utf8("TO:<" + recipient + ">"));
    }

    /** Netty writes parameters as ASCII; an AsciiString of UTF-8 bytes passes SMTPUTF8 addresses through unchanged. */
    private static CharSequence utf8(String s) {
        return new AsciiString(s.getBytes(StandardCharsets.UTF_8), false);
    }

    /**
     * The outcome of a 2xx, 4xx or 5xx reply of this server (3xx replies never get here, see {@link #completion}),
     * naming the server for the DSN's Remote-MTA.
     */
    private DeliveryResult result(Reply reply) {
        if (reply.code() / 100 == 2) {
            return new DeliveryResult.Delivered(reply, remote);
        }
        return reply.isTransient() ? new DeliveryResult.Deferred(reply, remote)
                : new DeliveryResult.Failed(reply, remote);
    }
}
