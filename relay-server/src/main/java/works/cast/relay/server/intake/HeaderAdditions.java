package works.cast.relay.server.intake;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import works.cast.relay.core.mail.HeaderBlock;
import works.cast.relay.core.mail.HeaderField;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.smtp.SessionInfo;

/**
 * The header fields the relay writes: {@code Date} and {@code Message-ID} when the client left them out (a submission
 * server's duty, RFC 6409 section 8.2 and 8.3), and the {@code Received} trace field of this hop (RFC 5321 section
 * 4.4), which goes above the signatures, unsigned.
 */
final class HeaderAdditions {

    /** RFC 5322 section 3.3 date-time, always in English. */
    static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US);

    /** The last date written, for the next messages of the same second (formatting is most of a field's cost). */
    private static volatile FormattedDate lastDate = new FormattedDate(Long.MIN_VALUE, 0, "");

    private record FormattedDate(long epochSecond, int offsetSeconds, String text) {
    }

    private HeaderAdditions() {
    }

    /** {@code now} as an RFC 5322 date-time. */
    static String date(ZonedDateTime now) {
        FormattedDate d = lastDate;
        long second = now.toEpochSecond();
        int offset = now.getOffset().getTotalSeconds();
        if (d.epochSecond() != second || d.offsetSeconds() != offset) {
            d = new FormattedDate(second, offset, RFC5322.format(now));
            lastDate = d;
        }
        return d.text();
    }

    /** Date and Message-ID fields to add, for the ones the message lacks. */
    static List<HeaderField> missing(HeaderBlock headers, QueueId id, String hostname, ZonedDateTime now) {
        List<HeaderField> out = new ArrayList<>(2);
        if (headers.count("date") == 0) {
            out.add(HeaderField.parse("Date: " + date(now) + "\r\n"));
        }
        if (headers.count("message-id") == 0) {
            out.add(HeaderField.parse("Message-ID: <" + id.value().toLowerCase(Locale.ROOT) + "@" + hostname + ">\r\n"));
        }
        return out;
    }

    /**
     * The Received field, for example:
     * <pre>
     * Received: from app1.internal ([10.0.0.5]) by relay.cast.works (dkim-relay) with ESMTPSA id 01J...
     *  for &lt;rcpt@example.net&gt;; Sat, 28 Nov 2026 04:30:00 +0000
     * </pre>
     * The protocol name follows RFC 3848 (ESMTP, ESMTPS with TLS, ESMTPA with AUTH, ESMTPSA with both).
     */
    static HeaderField received(SessionInfo session, List<String> recipients, QueueId id, String hostname,
                                ZonedDateTime now) {
        String protocol = "ESMTP" + (session.tlsProtocol().isPresent() ? "S" : "")
                + (session.authUser().isPresent() ? "A" : "");
        InetSocketAddress client = session.client();
        String ip = client.getAddress() == null ? client.getHostString() : client.getAddress().getHostAddress();
        StringBuilder sb = new StringBuilder("Received: from ").append(sanitize(session.heloName()))
                .append(" ([").append(ip.contains(":") ? "IPv6:" + ip : ip).append("])\r\n\tby ").append(hostname)
                .append(" (dkim-relay) with ").append(protocol);
        session.tlsProtocol().ifPresent(p -> sb.append("\r\n\t(version=").append(p)
                .append(" cipher=").append(session.tlsCipher().orElse("unknown")).append(')'));
        sb.append("\r\n\tid ").append(id.value());
        if (recipients.size() == 1) {
            sb.append("\r\n\tfor <").append(sanitize(recipients.get(0))).append('>');
        }
        sb.append("; ").append(date(now)).append("\r\n");
        return HeaderField.parse(sb.toString());
    }

    /** Keeps client-supplied text from breaking the field: printable ASCII only, no angle brackets or parens. */
    private static String sanitize(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            sb.append(c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '<' && c != '>' && c != ';' ? c : '?');
        }
        return sb.length() == 0 ? "unknown" : sb.toString();
    }
}
