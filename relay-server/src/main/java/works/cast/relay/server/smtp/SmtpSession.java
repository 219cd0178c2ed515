package works.cast.relay.server.smtp;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import works.cast.relay.core.mail.Envelope;

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

    private enum State { GREETED, READY, MAIL, RCPT, DATA, AUTH_PLAIN, AUTH_LOGIN_USER, AUTH_LOGIN_PASS, AUTH_CHECK,
        MAIL_CHECK, CLOSED }

    private final SmtpServerSettings settings;
    private final SmtpServerSettings.TlsMode listenerTls;
    private final String sessionId;
    private final InetSocketAddress client;
    private final boolean clientAllowed;
    private final boolean authConfigured;
    private final boolean checkSenders;

    private State state = State.GREETED;
    private boolean extended;
    private String heloName = "";
    private Optional<Authenticator.User> user = Optional.empty();
    private Optional<String> tlsProtocol = Optional.empty();
    private Optional<String> tlsCipher = Optional.empty();
    private String loginUsername = "";
    private Credentials pending;
    private int errors;
    private int junkCommands;
    private String reversePath = "";
    private final List<String> recipients = new ArrayList<>();
    private boolean smtpUtf8;
    private boolean eightBit;

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
        this.authConfigured = authConfigured;
        this.checkSenders = checkSenders;
    }

    public Reply greeting() {
        return Replies.greeting(settings.hostname());
    }

    /** Handles one input line (without CRLF): a command, or an AUTH response while AUTH is in progress. */
    public Action onLine(String line) {
        switch (state) {
            case AUTH_PLAIN:
            case AUTH_LOGIN_USER:
            case AUTH_LOGIN_PASS:
                return onAuthResponse(line);
            case DATA:
            case AUTH_CHECK:
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
        if (isJunk(command.verb()) && ++junkCommands > settings.limits().junkCommands()) {
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

    /** Commands that move no message forward (Postfix smtpd_junk_command_limit counts these, and HELO/EHLO). */
    private static boolean isJunk(Command.Verb verb) {
        switch (verb) {
            case NOOP:
            case RSET:
            case VRFY:
            case HELP:
            case HELO:
            case EHLO:
                return true;
            default:
                return false;
        }
    }

    /**
     * The message just read was accepted (2xx): the junk-command count starts over, so a client that sends RSET or
     * NOOP between messages on a long connection is never cut off.
     */
    public void onMessageAccepted() {
        junkCommands = 0;
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
        List<String> lines = new ArrayList<>();
        lines.add(settings.hostname() + " greets " + name);
        lines.add("PIPELINING");
        lines.add("SIZE " + settings.limits().messageSize());
        lines.add("8BITMIME");
        lines.add("SMTPUTF8");
        lines.add("ENHANCEDSTATUSCODES");
        if (listenerTls == SmtpServerSettings.TlsMode.STARTTLS && !isTls()) {
            lines.add("STARTTLS");
        }
        if (authOffered()) {
            lines.add("AUTH PLAIN LOGIN");
        }
        return Action.reply(Replies.ehlo(lines));
    }

    private boolean authOffered() {
        return authConfigured && user.isEmpty() && (!settings.requireTlsForAuth() || isTls());
    }

    private Action mail(String argument) {
        if (state != State.READY) {
            return error(Replies.badSequence());
        }
        if (!maySubmit()) {
            return error(Replies.authRequired());
        }
        Optional<MailPath> parsed = CommandParser.parsePath(argument, "FROM", true);
        if (parsed.isEmpty()) {
            return error(Replies.badSenderSyntax());
        }
        MailPath path = parsed.get();
        if (user.isPresent() && !SenderOwnership.mayUse(user.get(), path.mailbox())) {
            return error(Replies.refusal(new IntakeFailure.SenderNotOwned(path.mailbox(), user.get().name())));
        }
        MailParameters.Outcome checked = MailParameters.check(path, settings.limits().messageSize());
        if (checked instanceof MailParameters.Refused refused) {
            return error(refused.reply());
        }
        MailParameters.Accepted params = (MailParameters.Accepted) checked;
        reversePath = path.mailbox();
        smtpUtf8 = params.smtpUtf8();
        eightBit = params.eightBit();
        if (checkSenders) {
            state = State.MAIL_CHECK;
            return new Action(Kind.CHECK_SENDER, Optional.empty());
        }
        state = State.MAIL;
        return Action.reply(Replies.senderOk());
    }

    /** The MAIL FROM address of the transaction being started or under way ("" for the null sender). */
    public String reversePath() {
        return reversePath;
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
        String mailbox;
        if (argument.regionMatches(true, 0, "TO:<postmaster>", 0, 15) && argument.length() == 15) {
            mailbox = "postmaster";
        } else {
            Optional<MailPath> parsed = CommandParser.parsePath(argument, "TO", false);
            if (parsed.isEmpty()) {
                return error(Replies.badRecipientSyntax());
            }
            if (!parsed.get().parameters().isEmpty()) {
                return error(Replies.unknownParameter(parsed.get().parameters().keySet().iterator().next()));
            }
            if (!parsed.get().isAscii() && !smtpUtf8) {
                return error(Replies.nonAsciiWithoutSmtpUtf8());
            }
            mailbox = parsed.get().mailbox();
        }
        if (recipients.size() >= settings.limits().recipients()) {
            return Action.reply(Replies.tooManyRecipients());
        }
        recipients.add(mailbox);
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
        if (!authConfigured) {
            return error(Replies.authNotAvailable());
        }
        if (state != State.READY || !extended) {
            return error(Replies.badSequence());
        }
        if (user.isPresent()) {
            return error(Replies.alreadyAuthenticated());
        }
        if (settings.requireTlsForAuth() && !isTls()) {
            return error(Replies.tlsRequiredForAuth());
        }
        String[] parts = argument.split(" ", -1);
        String mechanism = parts[0].toUpperCase(Locale.ROOT);
        if (parts.length > 2) {
            return error(Replies.syntax("Syntax: AUTH mechanism [initial-response]"));
        }
        Optional<String> initial = parts.length == 2 ? Optional.of(parts[1]) : Optional.empty();
        switch (mechanism) {
            case "PLAIN":
                state = State.AUTH_PLAIN;
                return initial.isPresent() ? onAuthResponse(initial.get())
                        : Action.reply(Replies.authChallenge(""));
            case "LOGIN":
                state = State.AUTH_LOGIN_USER;
                return initial.isPresent() ? onAuthResponse(initial.get())
                        : Action.reply(Replies.authChallenge(Sasl.encode("Username:")));
            default:
                return error(Replies.unsupportedMechanism());
        }
    }

    private Action onAuthResponse(String line) {
        if (line.equals("*")) {
            state = State.READY;
            return error(Replies.authCancelled());
        }
        Optional<String> decoded = Sasl.decode(line);
        if (decoded.isEmpty()) {
            state = State.READY;
            return error(Replies.badBase64());
        }
        String text = decoded.get();
        switch (state) {
            case AUTH_PLAIN:
                pending = Sasl.plain(text);
                state = State.AUTH_CHECK;
                return new Action(Kind.AUTHENTICATE, Optional.empty());
            case AUTH_LOGIN_USER:
                loginUsername = text;
                state = State.AUTH_LOGIN_PASS;
                return Action.reply(Replies.authChallenge(Sasl.encode("Password:")));
            case AUTH_LOGIN_PASS:
                pending = new Credentials(loginUsername, text);
                loginUsername = "";
                state = State.AUTH_CHECK;
                return new Action(Kind.AUTHENTICATE, Optional.empty());
            default:
                throw new IllegalStateException("session " + sessionId + ": not in AUTH");
        }
    }

    /** The credentials of the AUTH exchange that just ended; they are forgotten by this call. */
    public Credentials takeCredentials() {
        if (state != State.AUTH_CHECK || pending == null) {
            throw new IllegalStateException("session " + sessionId + ": no credentials to check");
        }
        Credentials c = pending;
        pending = null;
        return c;
    }

    /** The authenticator's answer for {@link #takeCredentials()}. */
    /** The credentials could not be checked now ({@link Authenticator.Busy}): 454, the client may try again. */
    public Action onAuthUnavailable() {
        if (state != State.AUTH_CHECK) {
            throw new IllegalStateException("session " + sessionId + ": no AUTH in progress");
        }
        state = State.READY;
        return Action.reply(Replies.authUnavailable());
    }

    public Action onAuthResult(Optional<Authenticator.User> result) {
        if (state != State.AUTH_CHECK) {
            throw new IllegalStateException("session " + sessionId + ": no AUTH in progress");
        }
        state = State.READY;
        if (result.isEmpty()) {
            return Action.reply(Replies.authFailed());
        }
        user = result;
        return Action.reply(Replies.authSucceeded());
    }

    /** TLS is up after STARTTLS: the session starts over and the client must send EHLO again (RFC 3207 4.2). */
    public void onTlsStarted(String protocol, String cipher) {
        tlsProtocol = Optional.of(protocol);
        tlsCipher = Optional.of(cipher);
        if (listenerTls == SmtpServerSettings.TlsMode.STARTTLS) {
            resetTransaction();
            heloName = "";
            extended = false;
            user = Optional.empty();
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
        reversePath = "";
        recipients.clear();
        smtpUtf8 = false;
        eightBit = false;
        if (state == State.MAIL || state == State.RCPT) {
            state = State.READY;
        }
    }

    private Action error(Reply reply) {
        errors++;
        if (errors >= settings.limits().maxErrors()) {
            state = State.CLOSED;
            return Action.of(Kind.CLOSE, Replies.tooManyErrors());
        }
        return Action.reply(reply);
    }

    private boolean maySubmit() {
        return clientAllowed || user.isPresent();
    }

    public boolean isTls() {
        return tlsProtocol.isPresent();
    }

    /** True while the next line is an AUTH response (credentials), not a command. */
    public boolean isAwaitingAuthResponse() {
        return state == State.AUTH_PLAIN || state == State.AUTH_LOGIN_USER || state == State.AUTH_LOGIN_PASS;
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
        return new Envelope(reversePath, recipients, smtpUtf8, eightBit);
    }

    public SessionInfo sessionInfo() {
        return new SessionInfo(sessionId, client, heloName, user.map(Authenticator.User::name),
                user.map(Authenticator.User::domains).orElse(Set.of()), tlsProtocol, tlsCipher);
    }
}
