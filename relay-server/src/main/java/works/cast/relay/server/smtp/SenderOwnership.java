package works.cast.relay.server.smtp;

import java.net.IDN;
import java.util.Locale;

/**
 * Which envelope senders an authenticated user may use: the null sender, or an address in one of the user's
 * domains or their subdomains (as Postfix's {@code reject_sender_login_mismatch}, with domains instead of a login
 * map). Otherwise a user could aim the bounces of its mail, and the relay's DSNs, at anyone.
 */
public final class SenderOwnership {

    private SenderOwnership() {
    }

    /** True when {@code mailbox} (a MAIL FROM path, "" for the null sender) may be used by {@code user}. */
    static boolean mayUse(Authenticator.User user, String mailbox) {
        if (mailbox.isEmpty()) {
            return true;
        }
        int at = mailbox.lastIndexOf('@');
        if (at < 0 || at == mailbox.length() - 1) {
            return false;
        }
        String domain = ascii(mailbox.substring(at + 1));
        return domain != null && owns(user.domains(), domain);
    }

    /** True when {@code domain} (lower-case ASCII) is one of {@code domains} or a subdomain of one. */
    public static boolean owns(Iterable<String> domains, String domain) {
        for (String allowed : domains) {
            if (domain.equals(allowed) || domain.endsWith("." + allowed)) {
                return true;
            }
        }
        return false;
    }

    /** The A-label form in lower case, or null for an address literal or a name IDNA refuses. */
    private static String ascii(String domain) {
        if (domain.startsWith("[")) {
            return null;
        }
        try {
            String d = IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
            return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
