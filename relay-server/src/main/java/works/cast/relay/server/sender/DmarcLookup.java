package works.cast.relay.server.sender;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the DMARC record that applies to a domain by the DNS tree walk of DMARCbis (draft-ietf-dmarc-dmarcbis
 * section 4.10): {@code _dmarc.<domain>} first, then each parent up to the top-level domain, at most eight queries
 * (a name of more than eight labels jumps to its last seven). The first record found is the policy; found at a
 * parent, its {@code sp=} (or {@code p=}) applies to the subdomain.
 *
 * @param record    the record text, when one was found
 * @param foundAt   the domain whose {@code _dmarc} name holds it
 * @param policy    the policy that applies to {@code domain}: none, quarantine or reject
 * @param problem   why nothing could be told, for a lookup failure
 */
public record DmarcLookup(Optional<String> record, Optional<String> foundAt, Optional<String> policy,
                          Optional<String> problem) {

    public static DmarcLookup find(SenderDns dns, String domain) {
        for (String name : walk(domain.toLowerCase(Locale.ROOT))) {
            SenderDns.Answer<String> a = dns.txt("_dmarc." + name);
            if (a instanceof SenderDns.TempError<String> e) {
                return new DmarcLookup(Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.of("_dmarc." + name + ": " + e.reason()));
            }
            if (a instanceof SenderDns.Found<String> f) {
                List<String> records = f.values().stream().map(String::strip)
                        .filter(r -> r.regionMatches(true, 0, "v=DMARC1", 0, 8)).toList();
                if (records.size() == 1) {
                    String r = records.get(0);
                    Optional<String> p = tag(r, "p");
                    if (!name.equals(domain.toLowerCase(Locale.ROOT))) {
                        Optional<String> sp = tag(r, "sp");
                        p = sp.isPresent() ? sp : p;
                    }
                    return new DmarcLookup(Optional.of(r), Optional.of(name), p, Optional.empty());
                }
            }
        }
        return new DmarcLookup(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The names to query, longest first. */
    static List<String> walk(String domain) {
        List<String> labels = List.of(domain.split("\\."));
        List<String> out = new ArrayList<>();
        out.add(domain);
        int start = labels.size() > 8 ? labels.size() - 7 : 1;
        for (int i = start; i < labels.size() && out.size() < 8; i++) {
            out.add(String.join(".", labels.subList(i, labels.size())));
        }
        return out;
    }

    static Optional<String> tag(String record, String name) {
        for (String part : record.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).strip().equalsIgnoreCase(name)) {
                return Optional.of(part.substring(eq + 1).strip().toLowerCase(Locale.ROOT));
            }
        }
        return Optional.empty();
    }
}
