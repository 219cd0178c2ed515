package works.cast.relay.server.keys;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.dns.TxtResult;
import works.cast.relay.server.dns.TxtSource;

/**
 * Advice about a signing domain's SPF (RFC 7208 section 4) and DMARC (RFC 7489 section 6.1) records. Advice never
 * fails a check: DKIM works without them, but receivers trust aligned, DMARC-protected mail more.
 *
 * @param domain the domain
 * @param spf    the SPF record, when exactly one is published
 * @param dmarc  the DMARC record at {@code _dmarc.<domain>}, when one is published
 * @param policy the DMARC {@code p=} value, when there is a record
 * @param advice what to do, one line each; empty when all is well
 */
public record DomainAdvice(Domain domain, Optional<String> spf, Optional<String> dmarc, Optional<String> policy,
                           List<String> advice) {

    public DomainAdvice {
        Objects.requireNonNull(domain, "domain");
        advice = List.copyOf(advice);
    }

    /** Looks up both records and says what to improve. */
    public static DomainAdvice lookup(TxtSource dns, Domain domain) {
        List<String> advice = new ArrayList<>();
        Optional<String> spf = Optional.empty();
        List<String> spfRecords = records(dns, domain.name(), "v=spf1", advice, "SPF");
        if (spfRecords.size() > 1) {
            advice.add("SPF: " + spfRecords.size() + " v=spf1 records at " + domain
                    + " (receivers treat that as an error, RFC 7208 section 4.5): merge them into one");
        } else if (spfRecords.size() == 1) {
            spf = Optional.of(spfRecords.get(0));
        } else if (advice.stream().noneMatch(a -> a.startsWith("SPF"))) {
            advice.add("SPF: no v=spf1 record at " + domain + ": publish one naming your outbound hosts, e.g. "
                    + "\"v=spf1 mx -all\"");
        }
        Optional<String> dmarc = Optional.empty();
        Optional<String> policy = Optional.empty();
        List<String> dmarcRecords = records(dns, "_dmarc." + domain.name(), "v=DMARC1", advice, "DMARC");
        if (!dmarcRecords.isEmpty()) {
            dmarc = Optional.of(dmarcRecords.get(0));
            policy = tag(dmarcRecords.get(0), "p");
            if (policy.isEmpty()) {
                advice.add("DMARC: _dmarc." + domain + " has no p= tag: add p=none, then tighten");
            } else if (policy.get().equals("none")) {
                advice.add("DMARC: p=none at _dmarc." + domain + " only monitors: once reports show your mail"
                        + " passes, move to p=quarantine, then p=reject");
            }
        } else if (advice.stream().noneMatch(a -> a.startsWith("DMARC"))) {
            advice.add("DMARC: no record at _dmarc." + domain + ": publish e.g. \"v=DMARC1; p=none; rua=mailto:"
                    + "dmarc-reports@" + domain + "\"");
        }
        return new DomainAdvice(domain, spf, dmarc, policy, advice);
    }

    private static List<String> records(TxtSource dns, String name, String version, List<String> advice,
                                        String what) {
        TxtResult r = dns.lookupStrings(name);
        if (r instanceof TxtResult.TempError e) {
            advice.add(what + ": could not look up " + name + " (" + e.reason() + ")");
            return List.of();
        }
        if (r instanceof TxtResult.Records rec) {
            return rec.joined().stream().filter(t -> t.strip().toLowerCase(Locale.ROOT)
                    .startsWith(version.toLowerCase(Locale.ROOT))).toList();
        }
        return List.of();
    }

    private static Optional<String> tag(String record, String name) {
        for (String part : record.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).strip().equalsIgnoreCase(name)) {
                return Optional.of(part.substring(eq + 1).strip().toLowerCase(Locale.ROOT));
            }
        }
        return Optional.empty();
    }
}
