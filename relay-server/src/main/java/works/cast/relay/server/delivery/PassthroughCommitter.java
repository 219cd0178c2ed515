package works.cast.relay.server.delivery;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.bounce.BounceHandler;
import works.cast.relay.server.intake.MessageCommitter;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.smtp.Replies;

/**
 * Delivery without a queue ({@code delivery.passthrough = true}): each message is forwarded at the end of DATA and
 * the client gets the upstream's own answer (RFC 5321 section 4.2.5 leaves the reply to the relay):
 * <ul>
 *   <li>every recipient delivered: the upstream's reply to the data;</li>
 *   <li>none delivered: the upstream's refusal, a transient one first (so the client retries), else a permanent one;
 *   </li>
 *   <li>some delivered: that {@code 250}, once the deferred (4xx) recipients are durably queued through the
 *   {@link DeferralHandler} (they are retried, never bounced at once) and the refused (5xx) ones handed to the
 *   {@link BounceHandler}. When the deferred ones cannot be queued the client gets the deferral instead, and sends
 *   again: a second copy for the delivered recipients rather than a lost one for the others.</li>
 * </ul>
 * The spool file is deleted afterwards unless the queue took it. The stage fails only for local I/O errors.
 */
public final class PassthroughCommitter implements MessageCommitter {

    private static final Logger log = LoggerFactory.getLogger(PassthroughCommitter.class);

    private final Forwarder forwarder;
    private final Path spool;
    private final Executor io;
    private final BounceHandler bounces;
    private final DeferralHandler deferrals;

    /**
     * @param forwarder the next hop (smarthost or MX)
     * @param spool     where incoming messages are spooled
     * @param io        executor for the bounce handler and file removal
     * @param bounces   receives recipients refused when others were delivered
     * @param deferrals queues recipients deferred when others were delivered
     */
    public PassthroughCommitter(Forwarder forwarder, Path spool, Executor io, BounceHandler bounces,
                                DeferralHandler deferrals) throws IOException {
        this.forwarder = forwarder;
        this.spool = spool;
        this.io = io;
        this.bounces = bounces;
        this.deferrals = deferrals;
        Files.createDirectories(spool);
    }

    @Override
    public Path spoolDirectory() {
        return spool;
    }

    @Override
    public CompletionStage<Reply> commit(AcceptedMessage m, Path spoolFile) {
        if (!Files.isRegularFile(spoolFile)) {
            return CompletableFuture.failedFuture(new IOException("spool file " + spoolFile + " is missing"));
        }
        byte[] prepend = m.prepend();
        OutboundMessage message = new OutboundMessage(m.id(), m.envelope().reversePath(), m.envelope().recipients(),
                prepend.length + m.size(), m.envelope().eightBit(), m.envelope().smtpUtf8(),
                () -> Channels.newChannel(new SequenceInputStream(new ByteArrayInputStream(prepend),
                        open(spoolFile))), m.envelope().tls());
        CompletionStage<Map<String, DeliveryResult>> forwarded;
        try {
            forwarded = forwarder.forward(message);
        } catch (RuntimeException e) {
            delete(spoolFile);
            return CompletableFuture.failedFuture(e);
        }
        return forwarded.thenApplyAsync(results -> {
            try {
                return answer(m, spoolFile, results);
            } finally {
                delete(spoolFile);
            }
        }, io);
    }

    private static InputStream open(Path file) throws IOException {
        return Files.newInputStream(file);
    }

    private Reply answer(AcceptedMessage m, Path spoolFile, Map<String, DeliveryResult> results) {
        Reply delivered = null;
        Reply transientFailure = null;
        Reply permanentFailure = null;
        Map<String, DeliveryResult> failed = new LinkedHashMap<>();
        Map<String, DeliveryResult> deferred = new LinkedHashMap<>();
        for (String r : m.envelope().recipients()) {
            DeliveryResult d = results.get(r);
            if (d == null) {
                d = new DeliveryResult.Deferred(Replies.noDeliveryResult());
            }
            if (d instanceof DeliveryResult.Delivered) {
                delivered = delivered == null ? d.reply() : delivered;
            } else if (d instanceof DeliveryResult.Deferred) {
                deferred.put(r, d);
                transientFailure = transientFailure == null ? d.reply() : transientFailure;
            } else {
                failed.put(r, d);
                permanentFailure = permanentFailure == null ? d.reply() : permanentFailure;
            }
        }
        if (delivered == null) {
            Reply refusal = transientFailure != null ? transientFailure : permanentFailure;
            log.info("passthrough refused id={} reply=\"{}\"", m.id(), refusal.summary());
            return refusal;
        }
        if (!failed.isEmpty() || !deferred.isEmpty()) {
            log.info("passthrough partial id={} delivered={} bouncing={} queued={}", m.id(),
                    m.envelope().recipients().size() - failed.size() - deferred.size(), failed.size(), deferred.size());
        }
        if (!failed.isEmpty()) {
            try {
                bounces.bounce(m, spoolFile, failed);
            } catch (RuntimeException e) {
                log.error("bounce handler failed id={} error={}", m.id(), e.toString());
            }
        }
        if (!deferred.isEmpty()) {
            try {
                deferrals.defer(m, spoolFile, deferred, forwarder.describe()).toCompletableFuture().join();
            } catch (RuntimeException e) {
                log.error("passthrough could not queue deferred recipients id={} rcpts={} error={}", m.id(),
                        deferred.size(), e.toString());
                return transientFailure;
            }
        }
        return delivered;
    }

    private static void delete(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            log.warn("cannot delete spool file {}: {}", f, e.toString());
        }
    }
}
