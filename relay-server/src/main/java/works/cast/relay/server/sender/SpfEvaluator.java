package works.cast.relay.server.sender;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import works.cast.relay.server.net.Cidr;

/**
 * Evaluates a domain's SPF record for one address, as a receiver would for mail from this relay (RFC 7208 section
 * 4): {@code all}, {@code ip4}, {@code ip6}, {@code a}, {@code mx}, {@code include}, {@code exists} and
 * {@code redirect}, with the limit of ten DNS-querying terms (section 4.6.4) and of ten names per {@code mx}.
 * {@code ptr} never matches (section 5.5 says not to use it), and terms with macros (section 7) are not expanded:
 * they make the result {@code neutral} with a note, since their value depends on the message.
 */
public final class SpfEvaluator {

    private static final int MAX_LOOKUPS = 10;

    private final SenderDns dns;
    private int lookups;

    private SpfEvaluator(SenderDns dns) {
        this.dns = dns;
    }

    /** The SPF result of {@code domain} for mail sent from {@code address}. */
    public static SpfResult evaluate(SenderDns dns, String domain, InetAddress address) {
        return new SpfEvaluator(dns).check(domain.toLowerCase(Locale.ROOT), address, 0);
    }

    private SpfResult check(String domain, InetAddress ip, int depth) {
        SenderDns.Answer<String> answer = dns.txt(domain);
        if (answer instanceof SenderDns.TempError<String> t) {
            return SpfResult.of(SpfResult.Code.TEMPERROR, "TXT " + domain + ": " + t.reason());
        }
        List<String> records = new ArrayList<>();
        if (answer instanceof SenderDns.Found<String> f) {
            for (String r : f.values()) {
                String lower = r.strip().toLowerCase(Locale.ROOT);
                if (lower.equals("v=spf1") || lower.startsWith("v=spf1 ")) {
                    records.add(r.strip());
                }
            }
        }
        if (records.isEmpty()) {
            return SpfResult.of(SpfResult.Code.NONE, "no v=spf1 record at " + domain);
        }
        if (records.size() > 1) {
            return SpfResult.of(SpfResult.Code.PERMERROR, records.size() + " v=spf1 records at " + domain);
        }
        String[] terms = records.get(0).split("[ ]+");
        String redirect = null;
        for (int i = 1; i < terms.length; i++) {
            String term = terms[i];
            if (term.isEmpty()) {
                continue;
            }
            String lower = term.toLowerCase(Locale.ROOT);
            if (lower.startsWith("redirect=")) {
                redirect = lower.substring(9);
                continue;
            }
            if (lower.contains("=")) {
                continue; // exp= and unknown modifiers do not change the result
            }
            char q = lower.charAt(0);
            SpfResult.Code onMatch = switch (q) {
                case '-' -> SpfResult.Code.FAIL;
                case '~' -> SpfResult.Code.SOFTFAIL;
                case '?' -> SpfResult.Code.NEUTRAL;
                default -> SpfResult.Code.PASS;
            };
            String mech = "+-~?".indexOf(q) >= 0 ? lower.substring(1) : lower;
            if (mech.contains("%")) {
                // Whether this term matches depends on the message, so nothing after it can be told either.
                return SpfResult.of(SpfResult.Code.NEUTRAL, "term " + term + " at " + domain + " uses macros, "
                        + "which depend on the message; not evaluated");
            }
            Match m = match(mech, domain, ip, depth);
            if (m.error != null) {
                return m.error;
            }
            if (m.matched) {
                return SpfResult.of(onMatch, "matched " + term + " at " + domain);
            }
        }
        if (redirect != null) {
            if (!countLookup()) {
                return tooMany(domain);
            }
            SpfResult r = check(redirect, ip, depth + 1);
            return r.code() == SpfResult.Code.NONE
                    ? SpfResult.of(SpfResult.Code.PERMERROR, "redirect to " + redirect + " without a record") : r;
        }
        return SpfResult.of(SpfResult.Code.NEUTRAL, "no term of " + domain + " matches " + ip.getHostAddress());
    }

    private record Match(boolean matched, SpfResult error) {
        static final Match YES = new Match(true, null);
        static final Match NO = new Match(false, null);
    }

    private Match match(String mech, String domain, InetAddress ip, int depth) {
        if (mech.equals("all")) {
            return Match.YES;
        }
        if (mech.startsWith("ip4:") || mech.startsWith("ip6:")) {
            return cidr(mech.substring(4), ip) ? Match.YES : Match.NO;
        }
        if (mech.startsWith("include:")) {
            if (!countLookup()) {
                return new Match(false, tooMany(domain));
            }
            if (depth > 10) {
                return new Match(false, SpfResult.of(SpfResult.Code.PERMERROR, "include loop at " + domain));
            }
            SpfResult r = check(mech.substring(8), ip, depth + 1);
            return switch (r.code()) {
                case PASS -> Match.YES;
                case FAIL, SOFTFAIL, NEUTRAL -> Match.NO;
                case TEMPERROR -> new Match(false, r);
                default -> new Match(false, SpfResult.of(SpfResult.Code.PERMERROR, "include:" + mech.substring(8)
                        + ": " + r.detail()));
            };
        }
        if (mech.equals("a") || mech.startsWith("a:") || mech.startsWith("a/")) {
            if (!countLookup()) {
                return new Match(false, tooMany(domain));
            }
            Target t = target(mech.substring(1), domain);
            return inAddresses(dns.addresses(t.name), ip, t);
        }
        if (mech.equals("mx") || mech.startsWith("mx:") || mech.startsWith("mx/")) {
            if (!countLookup()) {
                return new Match(false, tooMany(domain));
            }
            Target t = target(mech.substring(2), domain);
            SenderDns.Answer<String> mx = dns.mx(t.name);
            if (mx instanceof SenderDns.TempError<String> e) {
                return new Match(false, SpfResult.of(SpfResult.Code.TEMPERROR, "MX " + t.name + ": " + e.reason()));
            }
            if (mx instanceof SenderDns.Found<String> f) {
                if (f.values().size() > 10) {
                    return new Match(false, SpfResult.of(SpfResult.Code.PERMERROR, "more than 10 MX at " + t.name));
                }
                for (String host : f.values()) {
                    Match m = inAddresses(dns.addresses(host), ip, t);
                    if (m.matched || m.error != null) {
                        return m;
                    }
                }
            }
            return Match.NO;
        }
        if (mech.startsWith("exists:")) {
            if (!countLookup()) {
                return new Match(false, tooMany(domain));
            }
            SenderDns.Answer<InetAddress> a = dns.addresses(mech.substring(7));
            return a instanceof SenderDns.Found<InetAddress> f && !f.values().isEmpty() ? Match.YES : Match.NO;
        }
        if (mech.equals("ptr") || mech.startsWith("ptr:")) {
            return countLookup() ? Match.NO : new Match(false, tooMany(domain));
        }
        return new Match(false, SpfResult.of(SpfResult.Code.PERMERROR, "unknown term \"" + mech + "\" at " + domain));
    }

    /** The name and prefix lengths of {@code a} and {@code mx}: {@code [:name][/v4][//v6]}. */
    private record Target(String name, int v4, int v6) {
    }

    private static Target target(String rest, String domain) {
        String name = domain;
        int v4 = 32;
        int v6 = 128;
        if (rest.startsWith(":")) {
            int slash = rest.indexOf('/');
            name = slash < 0 ? rest.substring(1) : rest.substring(1, slash);
            rest = slash < 0 ? "" : rest.substring(slash);
        }
        if (rest.startsWith("//")) {
            v6 = Integer.parseInt(rest.substring(2));
        } else if (rest.startsWith("/")) {
            int dual = rest.indexOf("//");
            v4 = Integer.parseInt(dual < 0 ? rest.substring(1) : rest.substring(1, dual));
            if (dual >= 0) {
                v6 = Integer.parseInt(rest.substring(dual + 2));
            }
        }
        return new Target(name, v4, v6);
    }

    private static Match inAddresses(SenderDns.Answer<InetAddress> answer, InetAddress ip, Target t) {
        if (answer instanceof SenderDns.TempError<InetAddress> e) {
            return new Match(false, SpfResult.of(SpfResult.Code.TEMPERROR, "A/AAAA " + t.name + ": " + e.reason()));
        }
        if (answer instanceof SenderDns.Found<InetAddress> f) {
            for (InetAddress a : f.values()) {
                int bits = a instanceof Inet4Address ? t.v4 : t.v6;
                if (sameFamily(a, ip) && prefixMatches(a.getAddress(), ip.getAddress(), bits)) {
                    return Match.YES;
                }
            }
        }
        return Match.NO;
    }

    private static boolean cidr(String spec, InetAddress ip) {
        int slash = spec.indexOf('/');
        try {
            InetAddress net = Cidr.parseAddress(slash < 0 ? spec : spec.substring(0, slash)); // literals only
            int bits = slash < 0 ? net.getAddress().length * 8 : Integer.parseInt(spec.substring(slash + 1));
            return sameFamily(net, ip) && prefixMatches(net.getAddress(), ip.getAddress(), bits);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean sameFamily(InetAddress a, InetAddress b) {
        return (a instanceof Inet6Address) == (b instanceof Inet6Address);
    }

    static boolean prefixMatches(byte[] net, byte[] ip, int bits) {
        if (bits < 0 || bits > net.length * 8) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (net[i] != ip[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (net[full] & mask) == (ip[full] & mask);
    }

    private boolean countLookup() {
        return ++lookups <= MAX_LOOKUPS;
    }

    private static SpfResult tooMany(String domain) {
        return SpfResult.of(SpfResult.Code.PERMERROR, "more than " + MAX_LOOKUPS + " DNS lookups (at " + domain + ")");
    }
}
