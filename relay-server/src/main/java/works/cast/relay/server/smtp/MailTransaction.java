package works.cast.relay.server.smtp;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.message.Reply;

/**
 * The envelope of the transaction under way (RFC 5321 section 3.3): the reverse path with its MAIL parameters, and
 * the recipients accepted so far. Pure; the session decides when a transaction starts and ends.
 */
final class MailTransaction {

    /** RCPT TO's argument read: the mailbox, or the reply that refuses it as a syntax error. */
    record Recipient(Optional<String> mailbox, Optional<Reply> refusal) {
    }

    private String reversePath = "";
    private final List<String> recipients = new ArrayList<>();
    private boolean smtpUtf8;
    private boolean eightBit;
    private boolean requireTls;

    /**
     * Reads MAIL FROM's argument and begins the transaction with it.
     *
     * @param user       the authenticated user, who may use only its own domains as senders
     * @param tlsSession the session is TLS, so REQUIRETLS was offered (RFC 8689 section 2)
     * @return the reply that refuses the command (an error), or empty when the transaction began
     */
    Optional<Reply> begin(String argument, Optional<Authenticator.User> user, long messageSizeLimit,
                          boolean tlsSession) {
        Optional<MailPath> parsed = CommandParser.parsePath(argument, "FROM", true);
        if (parsed.isEmpty()) {
            return Optional.of(Replies.badSenderSyntax());
        }
        MailPath path = parsed.get();
        if (user.isPresent() && !SenderOwnership.mayUse(user.get(), path.mailbox())) {
            return Optional.of(Replies.refusal(new IntakeFailure.SenderNotOwned(path.mailbox(), user.get().name())));
        }
        MailParameters.Outcome checked = MailParameters.check(path, messageSizeLimit, tlsSession);
        if (checked instanceof MailParameters.Refused refused) {
            return Optional.of(refused.reply());
        }
        MailParameters.Accepted params = (MailParameters.Accepted) checked;
        this.reversePath = path.mailbox();
        this.smtpUtf8 = params.smtpUtf8();
        this.eightBit = params.eightBit();
        this.requireTls = params.requireTls();
        return Optional.empty();
    }

    /** Reads RCPT TO's argument: {@code <postmaster>} (RFC 5321 section 4.5.1) or a path without parameters. */
    Recipient parseRecipient(String argument) {
        if (argument.regionMatches(true, 0, "TO:<postmaster>", 0, 15) && argument.length() == 15) {
            return new Recipient(Optional.of("postmaster"), Optional.empty());
        }
        Optional<MailPath> parsed = CommandParser.parsePath(argument, "TO", false);
        if (parsed.isEmpty()) {
            return refused(Replies.badRecipientSyntax());
        }
        if (!parsed.get().parameters().isEmpty()) {
            return refused(Replies.unknownParameter(parsed.get().parameters().keySet().iterator().next()));
        }
        if (!parsed.get().isAscii() && !smtpUtf8) {
            return refused(Replies.nonAsciiWithoutSmtpUtf8());
        }
        return new Recipient(Optional.of(parsed.get().mailbox()), Optional.empty());
    }

    private static Recipient refused(Reply reply) {
        return new Recipient(Optional.empty(), Optional.of(reply));
    }

    int recipientCount() {
        return recipients.size();
    }

    void addRecipient(String mailbox) {
        recipients.add(mailbox);
    }

    /** The MAIL FROM address ("" for the null sender, and between transactions). */
    String reversePath() {
        return reversePath;
    }

    Envelope envelope() {
        return new Envelope(reversePath, recipients, smtpUtf8, eightBit,
                requireTls ? TlsRequirement.REQUIRED : TlsRequirement.DEFAULT);
    }

    void clear() {
        reversePath = "";
        recipients.clear();
        smtpUtf8 = false;
        eightBit = false;
        requireTls = false;
    }
}
