package works.cast.relay.server.bounce;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.MessageStore;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.RecipientState;

/**
 * Turns failed recipients into one DSN to the envelope sender, queued through the same durable commit as any message
 * and sent from the null reverse-path (RFC 3464, RFC 5321 section 4.5.5). Both delivery paths bounce here: the
 * scheduler for a queued message whose recipients are all final ({@link #bounceFailed}), passthrough delivery for
 * the recipients the upstream refused while it accepted others ({@link #bounce}). A null-sender message's failures
 * are only logged: a bounce is never bounced.
 */
public final class Bouncer implements BounceHandler {

    private static final Logger log = LoggerFactory.getLogger(Bouncer.class);

    /** How much of the original header section a DSN of a queued message carries. */
    static final int MAX_HEADERS = 256 * 1024;
    /** How much of the received header section a passthrough DSN carries. */
    private static final int MAX_SPOOL_HEADERS = 1 << 20;

    private final MessageStore store;
    private final DsnBuilder dsn;

    public Bouncer(MessageStore store, DsnBuilder dsn) {
        this.store = store;
        this.dsn = dsn;
    }

    /**
     * Bounces the failed recipients of a finished queued message, if any. Reads the message's header section on the
     * calling thread; the stage completes, on the store's commit thread, once the DSN is durable, with the DSN
     * (empty when there was nothing to bounce), and fails when it could not be queued.
     */
    public CompletionStage<Optional<QueueEntry>> bounceFailed(QueueEntry entry) {
        int failed = entry.bounced().size();
        if (failed == 0) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        if (entry.isNullSender()) {
            log.warn("bounce dropped id={} rcpts={} reason=null-sender (a bounce is never bounced)", entry.id(),
                    failed);
            return CompletableFuture.completedFuture(Optional.empty());
        }
        List<DsnBuilder.FailedRecipient> recipients = entry.bounced().stream()
                .map(r -> new DsnBuilder.FailedRecipient(r.address(),
                        DsnBuilder.status(r.lastReply(), r.state() == RecipientState.EXPIRED),
                        r.remoteHost(), r.lastReply()))
                .toList();
        byte[] report;
        try {
            report = dsn.build(entry.id(), entry.reversePath(), entry.received(), recipients,
                    store.headers(entry, MAX_HEADERS));
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        // RFC 8689 section 5: the report on a REQUIRETLS message asks for REQUIRETLS too (headers only, as here).
        TlsRequirement tls = entry.tls() == TlsRequirement.REQUIRED ? TlsRequirement.REQUIRED : TlsRequirement.DEFAULT;
        return store.enqueue("", List.of(entry.reversePath()), report, tls).thenApply(d -> {
            log.info("bounce id={} dsn={} to=<{}> rcpts={}", entry.id(), d.id(), entry.reversePath(), failed);
            return Optional.of(d);
        });
    }

    /**
     * Passthrough: the recipients refused while others were delivered get a DSN; returns once it is durable (the
     * caller is an I/O thread, and the client's 250 waits for it). Failures are logged, never thrown.
     */
    @Override
    public void bounce(AcceptedMessage m, Path receivedBytes, Map<String, DeliveryResult> failed) {
        if (m.envelope().isNullSender()) {
            log.info("bounce dropped id={} reason=null-sender rcpts={}", m.id(), failed.keySet());
            return;
        }
        List<DsnBuilder.FailedRecipient> list = new ArrayList<>();
        failed.forEach((rcpt, r) -> list.add(new DsnBuilder.FailedRecipient(rcpt,
                DsnBuilder.status(Optional.of(r.reply()), false), r.remoteHost(), Optional.of(r.reply()))));
        try {
            byte[] report = dsn.build(m.id(), m.envelope().reversePath(), m.received(), list,
                    headers(m, receivedBytes));
            store.enqueue("", List.of(m.envelope().reversePath()), report).toCompletableFuture().join();
        } catch (IOException | RuntimeException e) {
            log.error("bounce failed id={} error={}", m.id(), e.toString());
        }
    }

    /** The prepended fields and the received header section, for the report's text/rfc822-headers part. */
    private static byte[] headers(AcceptedMessage m, Path received) throws IOException {
        var out = new ByteArrayOutputStream();
        out.writeBytes(m.prepend());
        try (InputStream in = Files.newInputStream(received)) {
            int prev = -1;
            int c;
            int atLineStart = 1;
            while ((c = in.read()) >= 0 && out.size() < MAX_SPOOL_HEADERS) {
                if (atLineStart == 1 && c == '\r') {
                    break;
                }
                out.write(c);
                atLineStart = c == '\n' && prev == '\r' ? 1 : 0;
                prev = c;
            }
        }
        return out.toByteArray();
    }
}
