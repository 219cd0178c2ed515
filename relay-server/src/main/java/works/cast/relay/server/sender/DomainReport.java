package works.cast.relay.server.sender;

import java.util.ArrayList;
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

    /**
     * One check as {@code keys check} prints it and the gauge shows it.
     *
     * @param name   the gauge's {@code check} label: dmarc-record, dmarc-enforced, spf-record, spf-egress, dkim-records
     * @param value  1 holds, 0 does not, -1 could not be told
     * @param detail what was found, or what to do, in a few words
     */
    public record Check(String name, int value, String detail) {
        /** ok, warning or unknown. */
        public String status() {
            return value > 0 ? "ok" : value == 0 ? "warning" : "unknown";
        }
    }

    /** The checks in a fixed order; spf-egress only when egress addresses were checked. */
    public List<Check> checks() {
        List<Check> c = new ArrayList<>();
        String at = "_dmarc." + dmarc.foundAt().orElse(domain);
        boolean parent = dmarc.foundAt().filter(f -> !f.equals(domain)).isPresent();
        String tag = parent && dmarc.record().flatMap(r -> DmarcLookup.tag(r, "sp")).isPresent() ? "sp=" : "p=";
        String policy = tag + dmarc.policy().orElse("?") + " at " + at + (parent ? " (parent of " + domain + ")" : "");
        if (dmarc.problem().isPresent()) {
            c.add(new Check("dmarc-record", -1, dmarc.problem().get()));
            c.add(new Check("dmarc-enforced", -1, "no record could be read"));
        } else if (dmarc.record().isEmpty()) {
            c.add(new Check("dmarc-record", 0, "none at _dmarc." + domain + " or a parent; publish \"v=DMARC1; p=none\""));
            c.add(new Check("dmarc-enforced", 0, "no DMARC record"));
        } else {
            c.add(new Check("dmarc-record", 1, policy));
            c.add(dmarc.policy().isEmpty() ? new Check("dmarc-enforced", 0, "no p= tag at " + at)
                    : dmarc.policy().get().equals("quarantine") || dmarc.policy().get().equals("reject")
                    ? new Check("dmarc-enforced", 1, tag + dmarc.policy().get())
                    : new Check("dmarc-enforced", 0, tag + dmarc.policy().get() + " only monitors; move to quarantine,"
                    + " then reject"));
        }
        c.add(switch (spfRecord.code()) {
            case TEMPERROR -> new Check("spf-record", -1, spfRecord.detail());
            case NONE -> new Check("spf-record", 0, "none at " + domain + "; publish one naming the hosts that send");
            case PERMERROR -> new Check("spf-record", 0, "broken: " + spfRecord.detail());
            default -> new Check("spf-record", 1, "v=spf1 at " + domain);
        });
        if (!spf.isEmpty()) {
            c.add(spfEgress());
        }
        List<String> dkim = new ArrayList<>();
        selectors.forEach((sel, st) -> dkim.add(sel + " " + st));
        c.add(new Check("dkim-records", selectors.isEmpty() ? 0
                : selectors.values().stream().anyMatch(s -> s.startsWith("error")) ? -1
                : selectors.values().stream().allMatch("matching"::equals) ? 1 : 0,
                selectors.isEmpty() ? "no active selector" : String.join(", ", dkim)));
        return c;
    }

    private Check spfEgress() {
        boolean unknown = spf.values().stream().anyMatch(r -> r.code() == SpfResult.Code.TEMPERROR
                || r.code() == SpfResult.Code.NEUTRAL && r.detail().contains("macros"));
        List<String> failing = new ArrayList<>();
        spf.forEach((ip, r) -> {
            if (r.code() != SpfResult.Code.PASS) {
                boolean told = r.code() != SpfResult.Code.TEMPERROR && !r.detail().contains("macros");
                failing.add(r.code().label() + " for " + ip + " (" + r.detail() + ")"
                        + (told ? "; add ip" + (ip.contains(":") ? "6:" : "4:") + ip : ""));
            }
        });
        return failing.isEmpty() ? new Check("spf-egress", 1, "pass for " + String.join(", ", spf.keySet()))
                : new Check("spf-egress", unknown ? -1 : 0, String.join("; ", failing));
    }

    /** Check name to 1 (holds), 0 (does not) or -1 (could not be told), for the {@code dkim_relay_domain_check} gauge. */
    public Map<String, Integer> gauges() {
        Map<String, Integer> g = new LinkedHashMap<>();
        checks().forEach(c -> g.put(c.name(), c.value()));
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
