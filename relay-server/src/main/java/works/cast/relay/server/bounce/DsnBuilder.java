package works.cast.relay.server.bounce;

import jakarta.activation.DataHandler;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.UnaryOperator;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.message.RelayMimeMessage;

/**
 * Builds a delivery status notification (RFC 3464, {@code multipart/report; report-type=delivery-status}, RFC 6522)
 * for recipients that failed: a human-readable part, the {@code message/delivery-status} fields and the original
 * header section as {@code text/rfc822-headers}. From {@code MAILER-DAEMON@<hostname>}; the caller sends it from the
 * null reverse-path so that it is never bounced again (RFC 5321 section 4.5.5).
 */
public final class DsnBuilder {

    /** RFC 5322 date-time in English. */
    private static final DateTimeFormatter RFC5322 =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);
    private static final int MAX_FIELD = 900;

    /**
     * One recipient to report.
     *
     * @param address    the final recipient
     * @param status     the RFC 3463 status, such as {@code 5.1.1} or {@code 4.4.7}
     * @param remoteMta  the host that answered, when known
     * @param diagnostic the SMTP reply that decided it, when there was one
     */
    public record FailedRecipient(String address, String status, Optional<String> remoteMta,
                                  Optional<Reply> diagnostic) {
        public FailedRecipient {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(remoteMta, "remoteMta");
            Objects.requireNonNull(diagnostic, "diagnostic");
        }
    }

    private final String hostname;
    private final Clock clock;
    private final String fromDomain;
    private final UnaryOperator<byte[]> signer;

    /** Reports from {@code MAILER-DAEMON@<hostname>}, unsigned. */
    public DsnBuilder(String hostname, Clock clock) {
        this(hostname, clock, hostname, UnaryOperator.identity());
    }

    /**
     * @param fromDomain the domain of the report's {@code From: MAILER-DAEMON@...}, the one {@code signer} signs as,
     *                   so that the report passes DMARC
     * @param signer     adds the DKIM-Signature fields to the finished report
     */
    public DsnBuilder(String hostname, Clock clock, String fromDomain, UnaryOperator<byte[]> signer) {
        this.hostname = Objects.requireNonNull(hostname, "hostname");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.fromDomain = Objects.requireNonNull(fromDomain, "fromDomain");
        this.signer = Objects.requireNonNull(signer, "signer");
    }

    /**
     * The status for a recipient: the reply's own enhanced code when it is a permanent one, 5.0.0 otherwise, 4.4.7
     * (delivery time expired) for a message that stayed deferred too long.
     */
    public static String status(Optional<Reply> reply, boolean expired) {
        if (expired) {
            return "4.4.7";
        }
        return reply.map(Reply::enhanced).filter(e -> e.matches("5\\.\\d{1,3}\\.\\d{1,3}")).orElse("5.0.0");
    }

    /**
     * @param originalId      the queue id of the bounced message
     * @param originalSender  its envelope sender, who receives the report
     * @param arrival         when the relay accepted it
     * @param failed          the recipients that failed, at least one
     * @param originalHeaders its header section in wire form
     * @return the report in wire form (CRLF line ends)
     */
    public byte[] build(QueueId originalId, String originalSender, Instant arrival, List<FailedRecipient> failed,
                        byte[] originalHeaders) {
        if (failed.isEmpty()) {
            throw new IllegalArgumentException("dsn for " + originalId + ": no failed recipients");
        }
        try {
            MimeMessage message = new RelayMimeMessage(Session.getInstance(new Properties()),
                    QueueId.next().value().toLowerCase(Locale.ROOT) + "@" + hostname);
            message.setFrom(new InternetAddress("MAILER-DAEMON@" + fromDomain, "Mail Delivery System", "US-ASCII"));
            InternetAddress to = new InternetAddress();
            to.setAddress(originalSender);
            message.setRecipient(MimeMessage.RecipientType.TO, to);
            message.setSubject("Undelivered Mail Returned to Sender", "US-ASCII");
            message.setSentDate(Date.from(clock.instant()));
            message.setHeader("Auto-Submitted", "auto-replied");

            MimeMultipart report = new MimeMultipart("report");
            ContentType type = new ContentType(report.getContentType());
            type.setParameter("report-type", "delivery-status");

            MimeBodyPart human = new MimeBodyPart();
            human.setText(humanText(failed), "us-ascii");
            report.addBodyPart(human);

            MimeBodyPart status = new MimeBodyPart();
            status.setDataHandler(new DataHandler(new ByteArrayDataSource(
                    statusFields(originalId, arrival, failed).getBytes(StandardCharsets.US_ASCII),
                    "message/delivery-status")));
            status.setHeader("Content-Type", "message/delivery-status");
            status.setHeader("Content-Transfer-Encoding", "7bit");
            report.addBodyPart(status);

            MimeBodyPart headers = new MimeBodyPart();
            headers.setDataHandler(new DataHandler(new ByteArrayDataSource(originalHeaders, "text/rfc822-headers")));
            headers.setHeader("Content-Type", "text/rfc822-headers");
            report.addBodyPart(headers);

            message.setContent(report);
            message.saveChanges();
            message.setHeader("Content-Type", type.toString());
            ByteArrayOutputStream out = new ByteArrayOutputStream(4096 + originalHeaders.length * 2);
            message.writeTo(out);
            return signer.apply(out.toByteArray());
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException("dsn for " + originalId + ": " + e.getMessage(), e);
        }
    }

    private String humanText(List<FailedRecipient> failed) {
        StringBuilder sb = new StringBuilder(512)
                .append("This is the mail system at host ").append(hostname).append(".\r\n\r\n")
                .append("Your message could not be delivered to one or more recipients.\r\n")
                .append("The mail system gave the reasons below.\r\n\r\n");
        for (FailedRecipient r : failed) {
            sb.append('<').append(ascii(r.address())).append(">: ");
            if (r.status().equals("4.4.7")) {
                sb.append("delivery time expired");
                r.diagnostic().ifPresent(d -> sb.append("; last reply: ").append(ascii(d.summary())));
            } else {
                sb.append(r.diagnostic().map(d -> ascii(d.summary())).orElse("delivery failed"));
            }
            sb.append("\r\n");
        }
        return sb.toString();
    }

    private String statusFields(QueueId id, Instant arrival, List<FailedRecipient> failed) {
        StringBuilder sb = new StringBuilder(512)
                .append("Reporting-MTA: dns; ").append(hostname).append("\r\n")
                .append("X-Queue-ID: ").append(id.value()).append("\r\n")
                .append("Arrival-Date: ").append(RFC5322.format(arrival)).append("\r\n");
        for (FailedRecipient r : failed) {
            sb.append("\r\n")
                    .append("Final-Recipient: rfc822; ").append(ascii(r.address())).append("\r\n")
                    .append("Action: failed\r\n")
                    .append("Status: ").append(r.status()).append("\r\n");
            r.remoteMta().ifPresent(m -> sb.append("Remote-MTA: dns; ").append(ascii(m)).append("\r\n"));
            r.diagnostic().ifPresent(d -> sb.append("Diagnostic-Code: smtp; ").append(ascii(diagnostic(d)))
                    .append("\r\n"));
            sb.append("Last-Attempt-Date: ").append(RFC5322.format(clock.instant())).append("\r\n");
        }
        return sb.toString();
    }

    private static String diagnostic(Reply reply) {
        String text = String.join(" ", reply.lines());
        return reply.enhanced().isEmpty() ? reply.code() + " " + text : reply.code() + " " + reply.enhanced() + " " + text;
    }

    /** Printable ASCII only and bounded, so that a remote reply cannot break the report's structure. */
    private static String ascii(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_FIELD));
        for (int i = 0; i < s.length() && sb.length() < MAX_FIELD; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }
}
