package works.cast.relay.server.intake;

import java.time.Clock;
import java.util.Set;
import java.util.concurrent.Executor;
import works.cast.relay.core.dkim.DkimSigner;
import works.cast.relay.core.dkim.MessageHasher;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.core.policy.SigningPolicy;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.smtp.MessageReceiver;
import works.cast.relay.server.smtp.MessageSink;
import works.cast.relay.server.smtp.SessionInfo;

/**
 * The relay's {@link MessageReceiver}: each message is spooled and hashed as it arrives, then signed per its From
 * domain and committed before the 250 reply. Disk work runs on {@code ioPool}, one serial lane per message.
 */
public final class SigningReceiver implements MessageReceiver {

    private final Executor ioPool;
    private final SigningPolicy policy;
    private final MessageCommitter committer;
    private final MessageFinisher finisher;
    private final long maxHeaderBytes;
    private final IntakeMemory memory;

    public SigningReceiver(Executor ioPool, SigningPolicy policy, MessageCommitter committer, String hostname,
                           long maxHeaderBytes, Clock clock, IntakeListener listener) {
        this(ioPool, policy, committer, hostname, maxHeaderBytes, clock, listener, SendingChecks.NONE,
                IntakeMemory.unlimited());
    }

    /**
     * @param checks the sending policy applied to each message before it is signed
     * @param memory the budget shared by all messages in flight
     */
    public SigningReceiver(Executor ioPool, SigningPolicy policy, MessageCommitter committer, String hostname,
                           long maxHeaderBytes, Clock clock, IntakeListener listener, SendingChecks checks,
                           IntakeMemory memory) {
        this.ioPool = ioPool;
        this.memory = memory;
        this.policy = policy;
        this.committer = committer;
        this.maxHeaderBytes = maxHeaderBytes;
        this.finisher = new MessageFinisher(policy, new DkimSigner(clock), committer, hostname, clock, listener,
                checks);
    }

    @Override
    public boolean admit(Runnable retry) {
        return memory.tryReserve(maxHeaderBytes, retry);
    }

    @Override
    public MessageSink open(SessionInfo session, Envelope envelope, Runnable resumeReading) {
        QueueId id = QueueId.next();
        MessageHasher hasher = new MessageHasher(Set.of(policy.bodyCanonicalization()), maxHeaderBytes);
        return new IncomingMessage(id, session, envelope, resumeReading, new SerialExecutor(ioPool), hasher,
                committer, finisher, memory);
    }
}
