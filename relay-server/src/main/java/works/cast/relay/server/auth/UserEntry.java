package works.cast.relay.server.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import works.cast.relay.server.config.Names;

/**
 * One line of the users file: {@code name:hash:domain1,domain2} (AUTH identity per RFC 4954, From domains it
 * may send as). Domains are lower-cased and must be domain names; there is at least one.
 *
 * @param name    the AUTH user name: letters, digits and {@code . _ - @ +}, 1..64 characters
 * @param hash    the bcrypt hash, see {@link Passwords}
 * @param domains the From domains this user may send as, lower case, in file order
 */
public record UserEntry(String name, String hash, List<String> domains) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@+-]{1,64}");

    public UserEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hash, "hash");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("user name \"" + name
                    + "\": use 1..64 letters, digits or . _ - @ +");
        }
        if (!Passwords.isHash(hash)) {
            throw new IllegalArgumentException("user " + name + ": hash is not a bcrypt $2a$/$2b$/$2y$ hash");
        }
        List<String> lower = new ArrayList<>();
        for (String d : domains) {
            String domain = Names.lower(d.trim());
            if (!Names.isDomainName(domain)) {
                throw new IllegalArgumentException("user " + name + ": \"" + d + "\" is not a domain name");
            }
            if (!lower.contains(domain)) {
                lower.add(domain);
            }
        }
        if (lower.isEmpty()) {
            throw new IllegalArgumentException("user " + name + ": needs at least one domain");
        }
        domains = List.copyOf(lower);
    }

    /** The line as written to the file, without line end. */
    public String toLine() {
        return name + ":" + hash + ":" + String.join(",", domains);
    }

    @Override
    public String toString() {
        return "UserEntry[name=" + name + ", domains=" + domains + "]";
    }
}
