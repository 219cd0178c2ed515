package works.cast.relay.server.sender;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds a {@link DomainReport} per signing domain: the warnings Gmail, Yahoo and Microsoft users would otherwise
 * learn from rejections (bulk-sender rules since 2024: SPF and DKIM, DMARC published, aligned From).
 */
public final class DomainChecker {

    private final SenderDns dns;
    private final List<InetAddress> egress;
    private final Function<String, Map<String, String>> selectorStates;

    /**
     * @param egress          the addresses receivers see mail come from (direct MX delivery); empty with a smarthost
     * @param selectorStates  domain to each active selector's DKIM record state (matching, different, missing, ...)
     */
    public DomainChecker(SenderDns dns, List<InetAddress> egress, Function<String, Map<String, String>> selectorStates) {
        this.dns = dns;
        this.egress = List.copyOf(egress);
        this.selectorStates = selectorStates;
    }

    public DomainReport check(String domain) {
        List<String> warnings = new ArrayList<>();
        DmarcLookup dmarc = DmarcLookup.find(dns, domain);
        if (dmarc.problem().isPresent()) {
            warnings.add("DMARC could not be looked up: " + dmarc.problem().get());
        } else if (dmarc.record().isEmpty()) {
            warnings.add("no DMARC record at _dmarc." + domain + " or a parent: Gmail and Yahoo require one for bulk "
                    + "senders; publish e.g. \"v=DMARC1; p=none; rua=mailto:dmarc-reports@" + domain + "\"");
        } else if (dmarc.policy().isEmpty()) {
            warnings.add("DMARC record at _dmarc." + dmarc.foundAt().orElse(domain) + " has no p= tag");
        }
        SpfResult record = SpfEvaluator.evaluate(dns, domain, InetAddress.getLoopbackAddress());
        if (record.code() == SpfResult.Code.NONE) {
            warnings.add("no SPF record at " + domain + ": publish one naming the hosts that send its mail");
        } else if (record.code() == SpfResult.Code.PERMERROR) {
            warnings.add("SPF record of " + domain + " is broken: " + record.detail());
        }
        Map<String, SpfResult> spf = new LinkedHashMap<>();
        if (record.code() != SpfResult.Code.NONE) {
            for (InetAddress ip : egress) {
                SpfResult r = SpfEvaluator.evaluate(dns, domain, ip);
                spf.put(ip.getHostAddress(), r);
                if (r.code() != SpfResult.Code.PASS && r.code() != SpfResult.Code.TEMPERROR) {
                    warnings.add("SPF of " + domain + " does not pass for this relay's address " + ip.getHostAddress()
                            + " (" + r.code().label() + ": " + r.detail() + "): add ip" + (ip.getAddress().length == 4
                            ? "4:" : "6:") + ip.getHostAddress() + " to it");
                }
            }
        }
        Map<String, String> selectors = selectorStates.apply(domain);
        selectors.forEach((selector, state) -> {
            if (!state.equals("matching")) {
                warnings.add("DKIM record " + selector + "._domainkey." + domain + " is " + state
                        + " (dkim-relay keys dns --domain " + domain + " prints it)");
            }
        });
        return new DomainReport(domain, dmarc, spf, record, selectors, warnings);
    }
}
