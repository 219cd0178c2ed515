package works.cast.relay.server.intake;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.dkim.DkimSigner;
import works.cast.relay.core.dkim.MessageHashes;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.core.keys.KeyException;
import works.cast.relay.core.mail.AuthorAddress;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.core.mail.FromHeaderException;
import works.cast.relay.core.mail.HeaderBlock;
import works.cast.relay.core.mail.HeaderField;
import works.cast.relay.core.mail.HeaderSyntax;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.core.policy.SigningDecision;
import works.cast.relay.core.policy.SigningPolicy;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.smtp.IntakeFailure;
import works.cast.relay.server.smtp.Replies;
import works.cast.relay.server.smtp.SenderOwnership;
import works.cast.relay.server.smtp.SessionInfo;

/**
 * The end of DATA: refuses a header block that verifiers would read differently ({@link HeaderSyntax}), checks the
 * author against the policy and the user's domains, adds missing Date and Message-ID, signs, commits durably, and
 * says what to answer. Runs on an I/O thread. Fails closed: a message of a configured domain that cannot be signed is
 * refused with 451, never sent unsigned.
 */
final class MessageFinisher {

    private static final Logger log = LoggerFactory.getLogger(MessageFinisher.class);

    private final SigningPolicy policy;
    private final DkimSigner signer;
    private final MessageCommitter committer;
    private final String hostname;
    private final Clock clock;
    private final IntakeListener listener;
    private final AuthorGate authorGate;
    private final UnsubscribeCheck unsubscribe;
    private final int hopLimit;

    MessageFinisher(SigningPolicy policy, DkimSigner signer, MessageCommitter committer, String hostname, Clock clock,
                    IntakeListener listener, SendingChecks checks) {
        this.authorGate = checks.authorGate();
        this.unsubscribe = checks.unsubscribe();
        this.hopLimit = checks.hopLimit();
        this.policy = policy;
        this.signer = signer;
        this.committer = committer;
        this.hostname = hostname;
        this.clock = clock;
        this.listener = listener;
    }

    CompletionStage<Reply> finish(ReceivedMessage m, Path spoolFile) {
        Outcome outcome = decide(m);
        if (outcome.failure != null) {
            return refuse(m, spoolFile, outcome.failure, outcome.authorDomain);
        }
        if (authorGate == AuthorGate.OPEN || outcome.authorDomain.isEmpty()) {
            return signAndCommit(m, spoolFile, outcome);
        }
        return authorGate.admit(outcome.authorDomain.get()).handle((refusal, error) -> {
            if (error != null) {
                log.warn("author check failed id={}, accepting: {}", m.id(), error.toString());
            }
            return error == null && refusal != null ? refusal : Optional.<Reply>empty();
        }).thenCompose(refusal -> {
            if (refusal.isPresent()) {
                delete(spoolFile);
                listener.rejected(m, IntakeFailure.Kind.RATE_LIMITED.label(), refusal.get(), outcome.authorDomain);
                return CompletableFuture.completedFuture(refusal.get());
            }
            return signAndCommit(m, spoolFile, outcome);
        });
    }

    private CompletionStage<Reply> signAndCommit(ReceivedMessage m, Path spoolFile, Outcome outcome) {
        ZonedDateTime now = ZonedDateTime.now(clock);
        HeaderBlock original = m.hashes().headers();
        List<HeaderField> added = HeaderAdditions.missing(original, m.id(), hostname, now);
        List<HeaderField> signatures = new ArrayList<>();
        List<String> described = new ArrayList<>();
        long removed = 0;
        if (outcome.decision instanceof SigningDecision.Sign sign) {
            HeaderEdits edits = HeaderEdits.plan(original, sign.requests());
            List<HeaderField> all = new ArrayList<>(added);
            all.addAll(edits.headers().fields());
            MessageHashes withAdded = new MessageHashes(new HeaderBlock(all), m.hashes().bodyHashes(),
                    m.hashes().bodyLength());
            try {
                for (SigningRequest r : sign.requests()) {
                    long start = System.nanoTime();
                    signatures.add(signer.sign(r, withAdded));
                    listener.signed(r, System.nanoTime() - start);
                    described.add("d=" + r.domain() + "/s=" + r.selector() + "/a=" + r.algorithm().tagValue());
                }
            } catch (KeyException | IllegalArgumentException e) {
                log.error("signing failed id={} domain={} error={}", m.id(), sign.signingDomain(), e.getMessage());
                return refuse(m, spoolFile, new IntakeFailure.SigningFailed(sign.signingDomain().toString()),
                        outcome.authorDomain);
            }
            if (!edits.isEmpty()) {
                try {
                    removed = edits.apply(spoolFile, m.size());
                    log.info("header edited id={} stale-signatures={} space-before-colon={} bytes={}", m.id(),
                            edits.removedSignatures(), edits.respacedFields(), removed);
                } catch (IOException e) {
                    log.error("header edit failed id={} error={}", m.id(), e.toString());
                    return refuse(m, spoolFile, new IntakeFailure.StoreError(), outcome.authorDomain);
                }
            }
        }
        ByteArrayOutputStream prepend = new ByteArrayOutputStream(2048);
        prepend.writeBytes(HeaderAdditions.received(m.session(), m.envelope().recipients(), m.id(), hostname, now).raw());
        signatures.forEach(f -> prepend.writeBytes(f.raw()));
        added.forEach(f -> prepend.writeBytes(f.raw()));
        // RFC 8689 section 4.1: the message is tagged by REQUIRETLS, else by a TLS-Required: No field.
        Envelope envelope = m.envelope().withTls(TlsRequirement.of(m.envelope().tls() == TlsRequirement.REQUIRED,
                original));
        AcceptedMessage accepted = new AcceptedMessage(m.id(), envelope, prepend.toByteArray(), now.toInstant(),
                address(m.session()), m.session().authUser(), outcome.authorDomain, described, m.size() - removed);
        CompletionStage<Reply> committed;
        try {
            committed = committer.commit(accepted, spoolFile);
        } catch (RuntimeException e) {
            committed = CompletableFuture.failedFuture(e);
        }
        return committed.handle((reply, failure) -> {
            if (failure != null) {
                log.error("commit failed id={} error={}", m.id(), failure.toString());
                return reject(m, spoolFile, new IntakeFailure.StorageFull(), outcome.authorDomain);
            }
            if (reply.isPositive()) {
                listener.accepted(m, accepted);
            } else {
                listener.rejected(m, "upstream", reply, outcome.authorDomain);
            }
            return reply;
        });
    }

    private CompletionStage<Reply> refuse(ReceivedMessage m, Path spoolFile, IntakeFailure failure,
                                          Optional<String> authorDomain) {
        return CompletableFuture.completedFuture(reject(m, spoolFile, failure, authorDomain));
    }

    /** Drops the spooled message, tells the listener, and gives the reply for the client. */
    private Reply reject(ReceivedMessage m, Path spoolFile, IntakeFailure failure, Optional<String> authorDomain) {
        delete(spoolFile);
        Reply reply = Replies.refusal(failure);
        listener.rejected(m, failure.label(), reply, authorDomain);
        return reply;
    }

    /** The policy's verdict, or the failure that refuses the message. */
    private record Outcome(SigningDecision decision, IntakeFailure failure, Optional<String> authorDomain) {
    }

    private Outcome decide(ReceivedMessage m) {
        Optional<String> malformed = HeaderSyntax.problem(m.hashes().headers());
        if (malformed.isPresent()) {
            return new Outcome(null, new IntakeFailure.MalformedHeader(malformed.get()), Optional.empty());
        }
        // This relay's own Received field counts as a hop too.
        int hops = m.hashes().headers().count("received") + 1;
        if (hops > hopLimit) {
            return new Outcome(null, new IntakeFailure.TooManyHops(), Optional.empty());
        }
        AuthorAddress author;
        try {
            author = AuthorAddress.of(m.hashes().headers());
        } catch (FromHeaderException e) {
            return new Outcome(null, new IntakeFailure.MalformedFrom(e.getMessage()), Optional.empty());
        }
        Optional<String> domain = Optional.of(author.domain().name());
        SigningDecision d = policy.decide(author.domain());
        if (!m.session().userDomains().isEmpty() && !userMaySend(m.session(), author, d)) {
            return new Outcome(d, new IntakeFailure.AuthorNotOwned(m.session().authUser().orElse("?"),
                    author.domain().toString()), domain);
        }
        if (d instanceof SigningDecision.Reject r) {
            return new Outcome(d, new IntakeFailure.DomainNotSigned(author.domain().toString()), domain);
        }
        if (d instanceof SigningDecision.TempFail t) {
            log.error("cannot sign id={} domain={} reason={}", m.id(), t.signingDomain(), t.reason());
            return new Outcome(d, new IntakeFailure.NoSigningKey(t.signingDomain().toString()), domain);
        }
        if (d instanceof SigningDecision.PassUnsigned) {
            log.info("unsigned id={} domain={} reason=not-configured", m.id(), author.domain());
        }
        Optional<UnsubscribeCheck.Problem> problem = unsubscribe.problem(m.hashes().headers());
        if (problem.isPresent()) {
            log.debug("unsubscribe id={} domain={} problem={}", m.id(), author.domain(), problem.get().label());
            if (unsubscribe.refuses(m.hashes().headers())) {
                return new Outcome(d, new IntakeFailure.NoOneClickUnsubscribe(problem.get().label()), domain);
            }
        }
        return new Outcome(d, null, domain);
    }

    /** An authenticated user sends only as its domains (or their subdomains). */
    private static boolean userMaySend(SessionInfo session, AuthorAddress author, SigningDecision d) {
        return SenderOwnership.owns(session.userDomains(), author.domain().name());
    }

    private static String address(SessionInfo s) {
        return s.client().getAddress() == null ? s.client().getHostString() : s.client().getAddress().getHostAddress();
    }

    private static void delete(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            log.warn("cannot delete spool file {}: {}", f, e.toString());
        }
    }
}
