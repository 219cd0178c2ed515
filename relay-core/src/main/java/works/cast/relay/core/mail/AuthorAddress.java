package works.cast.relay.core.mail;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeUtility;
import java.io.UnsupportedEncodingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The author of a message: the single mailbox of its single From field (RFC 5322 section 3.6.2), whose domain picks
 * the DKIM signing domain (and is what DMARC aligns with, RFC 7489 section 3.1).
 *
 * @param localPart the local part as written (quotes removed)
 * @param domain    the domain, lower case, IDN converted to A-labels
 */
public record AuthorAddress(String localPart, Domain domain) {

    /** Finds the author in a header block. */
    public static AuthorAddress of(HeaderBlock headers) {
        List<HeaderField> from = headers.all("from");
        if (from.isEmpty()) {
            throw new FromHeaderException(FromHeaderException.Problem.MISSING);
        }
        if (from.size() > 1) {
            throw new FromHeaderException(FromHeaderException.Problem.MULTIPLE_FIELDS);
        }
        return parse(from.get(0).unfoldedValue());
    }

    /** Parses a From field value (unfolded). */
    public static AuthorAddress parse(String value) {
        InternetAddress[] parsed;
        try {
            parsed = InternetAddress.parseHeader(value, false);
        } catch (AddressException e) {
            throw new FromHeaderException(FromHeaderException.Problem.INVALID, e.getMessage());
        }
        List<InternetAddress> mailboxes = new ArrayList<>();
        for (InternetAddress a : parsed) {
            if (a.isGroup()) {
                try {
                    InternetAddress[] members = a.getGroup(false);
                    if (members != null) {
                        mailboxes.addAll(List.of(members));
                    }
                } catch (AddressException e) {
                    throw new FromHeaderException(FromHeaderException.Problem.INVALID, e.getMessage());
                }
            } else {
                mailboxes.add(a);
            }
        }
        if (mailboxes.isEmpty()) {
            throw new FromHeaderException(FromHeaderException.Problem.NO_MAILBOX);
        }
        if (mailboxes.size() > 1) {
            throw new FromHeaderException(FromHeaderException.Problem.MULTIPLE_MAILBOXES);
        }
        String address = mailboxes.get(0).getAddress();
        int at = address == null ? -1 : address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1) {
            throw new FromHeaderException(FromHeaderException.Problem.INVALID, "no domain in address '" + address + "'");
        }
        String local = address.substring(0, at);
        if (local.length() >= 2 && local.startsWith("\"") && local.endsWith("\"")) {
            local = local.substring(1, local.length() - 1);
        }
        String domainText = address.substring(at + 1);
        if (domainText.startsWith("[")) {
            throw new FromHeaderException(FromHeaderException.Problem.INVALID,
                    "address literal " + domainText + " cannot be a signing domain");
        }
        if (domainText.contains("=?")) {
            try {
                domainText = MimeUtility.decodeText(domainText);
            } catch (UnsupportedEncodingException e) {
                throw new FromHeaderException(FromHeaderException.Problem.INVALID, e.getMessage());
            }
        }
        try {
            return new AuthorAddress(local, new Domain(domainText.toLowerCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new FromHeaderException(FromHeaderException.Problem.INVALID, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return localPart + "@" + domain;
    }
}
