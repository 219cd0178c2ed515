package works.cast.relay.server.smtp;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.message.Reply;

/**
 * The SMTP submission state machine of one connection (RFC 5321 section 4.1.4, RFC 3207, RFC 4954), without
 * network code: each command line goes in, an {@link Action} (a reply and what the connection must do) comes out.
 *
 * <pre>
 * S: 220 relay ESMTP ready        C: EHLO app
 * S: 250-relay ... 250 AUTH PLAIN LOGIN
 * C: MAIL FROM:&lt;a@cast.works&gt;  S: 250 2.1.0
 * C: RCPT TO:&lt;b@example.com&gt;   S: 250 2.1.5
 * C: DATA                         S: 354 (Action.Kind.START_DATA)
 * </pre>
 */
public final class SmtpSession {

    /** What the connection does with a reply. */
    public enum Kind {
        /** Send the reply, read the next command. */
        REPLY,
        /** Send the reply and close the connection. */
        CLOSE,
        /** Send the reply in clear, then start TLS; pipelined input after the command is discarded. */
        START_TLS,
        /** Send the 354 reply and read the message content. */
        START_DATA,
        /** Check {@link #takeCredentials()} with the authenticator, then call {@link #onAuthResult}. */
        AUTHENTICATE,
        /** Ask the {@link SenderGate} about {@link #sessionInfo()} and the sender, then call {@link #onSenderChecked}. */
        CHECK_SENDER
    }

    /** A reply and what the connection must do with it; {@code AUTHENTICATE} and {@code CHECK_SENDER} carry none yet. */
    public record Action(Kind kind, Optional<Reply> reply) {
        public Action {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(reply, "reply");
        }

        static Action reply(Reply r) {
            return new Action(Kind.REPLY, Optional.of(r));
        }

        static Action of(Kind kind, Reply r) {
            return new Action(kind, Optional.of(r));
        }
    }

    /** AUTH credentials waiting to be checked. */
    public record Credentials(String username, String password) {
        @Override
        public String toString() {
            return "Credentials[username=" + username + "]";
        }
    }

    /** {@code AUTH}: an AUTH exchange or its check is under way ({@link SessionAuth}). */
    private enum State { GREETED, READY, MAIL, RCPT, DATA, AUTH, MAIL_CHECK, CLOSED }

    private final SmtpServerSettings settings;
    private final SmtpServerSettings.TlsMode listenerTls;
    private final String sessionId;
    private final InetSocketAddress client;
    private final boolean clientAllowed;
    private final boolean checkSenders;

    private State state = State.GREETED;
    private boolean extended;
    private String heloName = "";
    private Optional<String> tlsProtocol = Optional.empty();
    private Optional<String> tlsCipher = Optional.empty();
    private final SessionAuth auth;
    private final MisbehaviourLimits limits;
    private final MailTransaction transaction = new MailTransaction();

    public SmtpSession(SmtpServerSettings settings, SmtpServerSettings.TlsMode listenerTls, String sessionId,
                       InetSocketAddress client, boolean authConfigured) {
        this(settings, listenerTls, sessionId, client, authConfigured, false);
    }

    /** @param checkSenders each accepted MAIL waits for the {@link SenderGate} ({@link Kind#CHECK_SENDER}) */
    public SmtpSession(SmtpServerSettings settings, SmtpServerSettings.TlsMode listenerTls, String sessionId,
                       InetSocketAddress client, boolean authConfigured, boolean checkSenders) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.listenerTls = Objects.requireNonNull(listenerTls, "listenerTls");
        this.sessionId = Objects.requireNonNull(sessionId, "sessionId");
        this.client = Objects.requireNonNull(client, "client");
        this.clientAllowed = settings.allowedNetworks().allows(client.getAddress());
        this.auth = new SessionAuth(authConfigured, settings.requireTlsForAuth(), sessionId);
        this.checkSenders = checkSenders;
        this.limits = new MisbehaviourLimits(settings.limits().maxErrors(), settings.limits().junkCommands());
    }

    public Reply greeting() {
        return Replies.greeting(settings.hostname());
    }

    /** Handles one input line (without CRLF): a command, or an AUTH response while AUTH is in progress. */
    public Action onLine(String line) {
        switch (state) {
            case AUTH:
                if (auth.awaitingResponse()) {
                    return onAuthResponse(line);
                }
                throw new IllegalStateException("session " + sessionId + ": no command expected while AUTH is checked");
            case DATA:
            case MAIL_CHECK:
            case CLOSED:
                throw new IllegalStateException("session " + sessionId + ": no command expected in state " + state);
            default:
                return onCommand(CommandParser.parse(line));
        }
    }

    /** A command line was longer than 512 octets. */
    public Action onLineTooLong() {
        return error(Replies.lineTooLong());
    }

    public Action onCommand(Command command) {
        if (limits.tooMuchJunk(command.verb())) {
            state = State.CLOSED;
            return Action.of(Kind.CLOSE, Replies.tooManyJunkCommands());
        }
        switch (command.verb()) {
            case HELO:
            case EHLO:
                return hello(command);
            case MAIL:
                return mail(command.argument());
            case RCPT:
                return rcpt(command.argument());
            case DATA:
                return data(command.argument());
            case RSET:
                resetTransaction();
                return Action.reply(Replies.ok());
            case NOOP:
                return Action.reply(Replies.ok());
            case QUIT:
                state = State.CLOSED;
                return Action.of(Kind.CLOSE, Replies.bye(settings.hostname()));
            case VRFY:
                return Action.reply(Replies.cannotVerify());
            case HELP:
                return Action.reply(Replies.help());
            case STARTTLS:
                return startTls(command.argument());
            case AUTH:
                return auth(command.argument());
            default:
                return error(Replies.unknownCommand());
        }
    }

    /**
     * The message just read was accepted (2xx): the junk-command count starts over, so a client that sends RSET or
     * NOOP between messages on a long connection is never cut off.
     */
    public void onMessageAccepted() {
        limits.messageAccepted();
    }

    private Action hello(Command command) {
        String name = command.argument();
        if (name.isEmpty() || name.contains(" ")) {
            return error(Replies.syntax("Syntax: " + command.verb() + " hostname"));
        }
        resetTransaction();
        heloName = name;
        state = State.READY;
        extended = command.verb() == Command.Verb.EHLO;
        if (!extended) {
            return Action.reply(Replies.helo(settings.hostname()));
        }
        return Action.reply(Replies.ehlo(settings.hostname(), name, settings.limits().messageSize(),
                listenerTls == SmtpServerSettings.TlsMode.STARTTLS && !isTls(), auth.offered(isTls()), isTls()));
    }

    private Action mail(String argument) {
        if (state != State.READY) {
            return error(Replies.badSequence());
        }
        if (!maySubmit()) {
            return error(Replies.authRequired());
        }
        Optional<Reply> refused = transaction.begin(argument, auth.user(), settings.limits().messageSize(), isTls());
        if (refused.isPresent()) {
            return error(refused.get());
        }
        if (checkSenders) {
            state = State.MAIL_CHECK;
            return new Action(Kind.CHECK_SENDER, Optional.empty());
        }
        state = State.MAIL;
        return Action.reply(Replies.senderOk());
    }

    /** The MAIL FROM address of the transaction being started or under way ("" for the null sender). */
    public String reversePath() {
        return transaction.reversePath();
    }

    /** The {@link SenderGate}'s answer to {@link Kind#CHECK_SENDER}: empty lets the transaction go on. */
    public Action onSenderChecked(Optional<Reply> refusal) {
        if (state != State.MAIL_CHECK) {
            throw new IllegalStateException("session " + sessionId + ": no MAIL being checked");
        }
        if (refusal.isPresent()) {
            resetTransaction();
            state = State.READY;
            return Action.reply(refusal.get());
        }
        state = State.MAIL;
        return Action.reply(Replies.senderOk());
    }

    private Action rcpt(String argument) {
        if (state != State.MAIL && state != State.RCPT) {
            return error(Replies.badSequence());
        }
        MailTransaction.Recipient recipient = transaction.parseRecipient(argument);
        if (recipient.refusal().isPresent()) {
            return error(recipient.refusal().get());
        }
        if (transaction.recipientCount() >= settings.limits().recipients()) {
            return Action.reply(Replies.tooManyRecipients());
        }
        transaction.addRecipient(recipient.mailbox().orElseThrow());
        state = State.RCPT;
        return Action.reply(Replies.recipientOk());
    }

    private Action data(String argument) {
        if (!argument.isEmpty()) {
            return error(Replies.syntax("DATA takes no argument"));
        }
        if (state == State.MAIL) {
            return error(Replies.noValidRecipients());
        }
        if (state != State.RCPT) {
            return error(Replies.badSequence());
        }
        if (!maySubmit()) {
            return error(Replies.authRequired());
        }
        state = State.DATA;
        return Action.of(Kind.START_DATA, Replies.startData());
    }

    private Action startTls(String argument) {
        if (isTls()) {
            return error(Replies.alreadyOnTls());
        }
        if (listenerTls != SmtpServerSettings.TlsMode.STARTTLS) {
            return error(Replies.tlsNotAvailable());
        }
        if (!argument.isEmpty()) {
            return error(Replies.syntax("STARTTLS takes no argument"));
        }
        if (state != State.GREETED && state != State.READY) {
            return error(Replies.badSequence());
        }
        return Action.of(Kind.START_TLS, Replies.readyToStartTls());
    }

    private Action auth(String argument) {
        Optional<Reply> refused = auth.begin(argument, state == State.READY && extended, isTls());
        if (refused.isPresent()) {
            return error(refused.get());
        }
        state = State.AUTH;
        Optional<String> initial = auth.takeInitialResponse();
        return initial.isPresent() ? onAuthResponse(initial.get()) : Action.reply(auth.challenge());
    }

    private Action onAuthResponse(String line) {
        switch (auth.respond(line)) {
            case CANCELLED:
                state = State.READY;
                return error(Replies.authCancelled());
            case BAD_BASE64:
                state = State.READY;
                return error(Replies.badBase64());
            case CHALLENGE:
                return Action.reply(auth.challenge());
            default:
                return new Action(Kind.AUTHENTICATE, Optional.empty());
        }
    }

    /** The credentials of the AUTH exchange that just ended; they are forgotten by this call. */
    public Credentials takeCredentials() {
        return auth.takeCredentials();
    }

    /** The credentials could not be checked now ({@link Authenticator.Busy}): 454, the client may try again. */
    public Action onAuthUnavailable() {
        Reply r = auth.unavailable();
        state = State.READY;
        return Action.reply(r);
    }

    /** The authenticator's answer for {@link #takeCredentials()}. */
    public Action onAuthResult(Optional<Authenticator.User> result) {
        Reply r = auth.result(result);
        state = State.READY;
        return Action.reply(r);
    }

    /** TLS is up after STARTTLS: the session starts over and the client must send EHLO again (RFC 3207 4.2). */
    public void onTlsStarted(String protocol, String cipher) {
        tlsProtocol = Optional.of(protocol);
        tlsCipher = Optional.of(cipher);
        if (listenerTls == SmtpServerSettings.TlsMode.STARTTLS) {
            resetTransaction();
            heloName = "";
            extended = false;
            auth.forgetUser();
            state = State.GREETED;
        }
    }

    /** The DATA content was read (accepted or not): the transaction is over. */
    public void onDataComplete() {
        if (state != State.DATA) {
            throw new IllegalStateException("session " + sessionId + ": not in DATA");
        }
        state = State.READY;
        resetTransaction();
    }

    private void resetTransaction() {
        transaction.clear();
        if (state == State.MAIL || state == State.RCPT) {
            state = State.READY;
        }
    }

    private Action error(Reply reply) {
        if (limits.tooManyErrors()) {
            state = State.CLOSED;
            return Action.of(Kind.CLOSE, Replies.tooManyErrors());
        }
        return Action.reply(reply);
    }

    private boolean maySubmit() {
        return clientAllowed || auth.user().isPresent();
    }

    public boolean isTls() {
        return tlsProtocol.isPresent();
    }

    /** True while the next line is an AUTH response (credentials), not a command. */
    public boolean isAwaitingAuthResponse() {
        return state == State.AUTH && auth.awaitingResponse();
    }

    public boolean isInData() {
        return state == State.DATA;
    }

    public String sessionId() {
        return sessionId;
    }

    public InetSocketAddress client() {
        return client;
    }

    /** The envelope of the message in DATA. */
    public Envelope envelope() {
        if (state != State.DATA) {
            throw new IllegalStateException("session " + sessionId + ": not in DATA");
        }
        return transaction.envelope();
    }

    public SessionInfo sessionInfo() {
        Optional<Authenticator.User> user = auth.user();
        return new SessionInfo(sessionId, client, heloName, user.map(Authenticator.User::name),
                user.map(Authenticator.User::domains).orElse(Set.of()), tlsProtocol, tlsCipher);
    }
}
