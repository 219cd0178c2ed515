package works.cast.relay.server.sender;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a receiver will find about one signing domain: its DMARC policy, its SPF record and whether that record
 * lets the relay's own addresses send (direct MX delivery only), and whether each active selector's DKIM record
 * matches the key.
 *
 * @param domain    the signing domain
 * @param dmarc     the DMARC record that applies, by the DMARCbis tree walk
 * @param spf       SPF for each egress address; empty when the relay hands mail to a smarthost (its SPF is the
 *                  smarthost's business)
 * @param spfRecord whether the domain publishes an SPF record at all
 * @param selectors each active selector's record state: matching, different, missing or a lookup error
 * @param warnings  one line per problem, empty when all is well
 */
public record DomainReport(String domain, DmarcLookup dmarc, Map<String, SpfResult> spf, SpfResult spfRecord,
                           Map<String, String> selectors, List<String> warnings) {

    public DomainReport {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(dmarc, "dmarc");
        spf = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(spf));
        Objects.requireNonNull(spfRecord, "spfRecord");
        selectors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(selectors));
        warnings = List.copyOf(warnings);
    }

    /** Check name to 1 (holds), 0 (does not) or -1 (could not be told), for the {@code dkim_relay_domain_check} gauge. */
    public Map<String, Integer> gauges() {
        Map<String, Integer> g = new LinkedHashMap<>();
        g.put("dmarc-record", dmarc.problem().isPresent() ? -1 : dmarc.record().isPresent() ? 1 : 0);
        g.put("dmarc-enforced", dmarc.problem().isPresent() ? -1
                : dmarc.policy().filter(p -> p.equals("quarantine") || p.equals("reject")).isPresent() ? 1 : 0);
        g.put("spf-record", spfRecord.code() == SpfResult.Code.TEMPERROR ? -1
                : spfRecord.code() == SpfResult.Code.NONE || spfRecord.code() == SpfResult.Code.PERMERROR ? 0 : 1);
        if (!spf.isEmpty()) {
            boolean unknown = spf.values().stream().anyMatch(r -> r.code() == SpfResult.Code.TEMPERROR
                    || r.code() == SpfResult.Code.NEUTRAL && r.detail().contains("macros"));
            g.put("spf-egress", unknown ? -1
                    : spf.values().stream().allMatch(r -> r.code() == SpfResult.Code.PASS) ? 1 : 0);
        }
        g.put("dkim-records", selectors.isEmpty() ? 0 : selectors.values().stream().anyMatch(s -> s.startsWith("error"))
                ? -1 : selectors.values().stream().allMatch("matching"::equals) ? 1 : 0);
        return g;
    }

    /** The one-line summary for the log. */
    public String summary() {
        String d = dmarc.problem().map(p -> "unknown (" + p + ")")
                .orElse(dmarc.record().isEmpty() ? "none" : "p=" + dmarc.policy().orElse("?") + " at "
                        + dmarc.foundAt().orElse(domain));
        StringBuilder s = new StringBuilder("domain=").append(domain).append(" dmarc=\"").append(d).append('"')
                .append(" spf=").append(spfRecord.code() == SpfResult.Code.NONE ? "none" : "present");
        spf.forEach((ip, r) -> s.append(" spf[").append(ip).append("]=").append(r.code().label()));
        selectors.forEach((sel, st) -> s.append(" dkim[").append(sel).append("]=").append(st.replace(' ', '-')));
        return s.toString();
    }

}
