package works.cast.relay.server.queue;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.delivery.DsnBuilder;

/**
 * Turns the failed recipients of a finished message into one DSN to its envelope sender, queued through the same
 * durable commit as any message and sent from the null reverse-path (RFC 3464, RFC 5321 section 4.5.5).
 */
final class Bouncer {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Bouncer.class);

    /** How much of the original header section a DSN carries. */
    static final int MAX_HEADERS = 256 * 1024;

    private final FileMessageQueue queue;
    private final DsnBuilder dsn;

    Bouncer(FileMessageQueue queue, DsnBuilder dsn) {
        this.queue = queue;
        this.dsn = dsn;
    }

    /**
     * Bounces the failed recipients of a finished message, if any: queues the DSN and waits until it is durable. A
     * null-sender message's failures are only logged (a bounce is never bounced).
     */
    void bounceFailed(QueueEntry entry) throws IOException {
        int failed = entry.bounced().size();
        if (failed == 0) {
            return;
        }
        if (entry.isNullSender()) {
            log.warn("bounce dropped id={} rcpts={} reason=null-sender (a bounce is never bounced)", entry.id(), failed);
            return;
        }
        QueueEntry dsn = bounce(entry);
        log.info("bounce id={} dsn={} to=<{}> rcpts={}", entry.id(), dsn.id(), entry.reversePath(), failed);
    }

    /** Queues the DSN and waits until it is durable; the caller must not bounce a null-sender message. */
    QueueEntry bounce(QueueEntry entry) throws IOException {
        if (entry.isNullSender()) {
            throw new IllegalStateException("message " + entry.id() + " has the null sender; it is never bounced");
        }
        List<DsnBuilder.FailedRecipient> failed = entry.bounced().stream()
                .map(r -> new DsnBuilder.FailedRecipient(r.address(),
                        DsnBuilder.status(r.lastReply(), r.state() == RecipientState.EXPIRED),
                        r.remote().flatMap(Bouncer::remoteHost), r.lastReply()))
                .toList();
        byte[] report = dsn.build(entry.id(), entry.reversePath(), entry.received(), failed,
                queue.files().headers(entry, MAX_HEADERS));
        try {
            // RFC 8689 section 5: the report on a REQUIRETLS message asks for REQUIRETLS too (headers only, as here).
            return queue.enqueue("", List.of(entry.reversePath()), report, entry.tls() == TlsRequirement.REQUIRED
                    ? TlsRequirement.REQUIRED : TlsRequirement.DEFAULT).toCompletableFuture().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /**
     * The host name in a forwarder's description ({@code smarthost mail.example.net:587} gives
     * {@code mail.example.net}), for the Remote-MTA field; empty when there is none.
     */
    static Optional<String> remoteHost(String upstream) {
        String[] words = upstream.trim().split("\\s+");
        String last = words[words.length - 1];
        if (last.startsWith("[")) {
            int end = last.indexOf(']');
            return end > 1 ? Optional.of(last.substring(1, end)) : Optional.empty();
        }
        int colon = last.lastIndexOf(':');
        if (colon > 0 && last.indexOf(':') == colon) {
            last = last.substring(0, colon);
        }
        return last.matches("[A-Za-z0-9.:-]+") && last.contains(".") ? Optional.of(last) : Optional.empty();
    }
}
