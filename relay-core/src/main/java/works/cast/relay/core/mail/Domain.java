package works.cast.relay.core.mail;

import java.net.IDN;
import java.util.Locale;
import java.util.Optional;

/**
 * A DNS domain name in canonical form: ASCII (IDN labels as A-labels, RFC 5891), lower case, no trailing dot.
 *
 * @param name the canonical name
 */
public record Domain(String name) {

    public Domain {
        name = canonical(name);
    }

    private static String canonical(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new IllegalArgumentException("domain: empty");
        }
        String s = raw.strip();
        if (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        String ascii;
        try {
            ascii = IDN.toASCII(s, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("domain: '" + raw + "' is not a valid domain name");
        }
        ascii = ascii.toLowerCase(Locale.ROOT);
        if (ascii.isEmpty() || ascii.length() > 253) {
            throw new IllegalArgumentException("domain: '" + raw + "' is not a valid domain name");
        }
        for (String label : ascii.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                throw new IllegalArgumentException("domain: '" + raw + "' is not a valid domain name");
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-' && c != '_') {
                    throw new IllegalArgumentException("domain: '" + raw + "' is not a valid domain name");
                }
            }
        }
        return ascii;
    }

    /** The parent domain, if this one has more than one label. */
    public Optional<Domain> parent() {
        int dot = name.indexOf('.');
        return dot < 0 ? Optional.empty() : Optional.of(new Domain(name.substring(dot + 1)));
    }

    /** True when this is {@code other} or a subdomain of it. */
    public boolean isWithin(Domain other) {
        return name.equals(other.name) || name.endsWith("." + other.name);
    }

    @Override
    public String toString() {
        return name;
    }
}
