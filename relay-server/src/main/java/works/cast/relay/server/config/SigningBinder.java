package works.cast.relay.server.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Binds {@code relay.signing} (RFC 6376 section 3.5 tags d=, s=, c=, h=, x=) for {@link ConfigBinder}. */
final class SigningBinder {

    private static final String S = "relay.signing.";

    private final ConfigReader r;

    SigningBinder(ConfigReader reader) {
        this.r = reader;
    }

    /** @param queueMaxAge how long a message may wait in the queue; signatures must outlive it */
    SigningConfig bind(Duration queueMaxAge) {
        Map<String, DomainConfig> domains = domains();
        List<String> headers = headerNames(S + "headers");
        if (!headers.isEmpty() && !headers.contains("from")) {
            r.problem(S + "headers", "must include from (RFC 6376 section 5.4)");
        }
        List<String> oversign = headerNames(S + "oversign");
        for (String name : oversign) {
            if (!headers.contains(name)) {
                r.problem(S + "oversign", "\"" + name + "\" is not in relay.signing.headers");
            }
        }
        Optional<DnsUpdateConfig> dnsUpdate = new DnsUpdateBinder(r).bind(S + "dns-update");
        RotationConfig rotation = rotation(dnsUpdate.isPresent()
                || domains.values().stream().anyMatch(d -> d.dnsUpdate().isPresent()));
        if (rotation.every().isPresent() && rotation.every().get().compareTo(rotation.removeAfter()) <= 0
                && domains.values().stream().anyMatch(d -> d.delegateTo().isPresent())) {
            r.problem(S + "rotation.every", "must be longer than rotation.remove-after (" + rotation.removeAfter()
                    + ") with delegate-to: a delegated domain alternates between two selector names, and a name is"
                    + " free again only once its old record has been removed");
        }
        return new SigningConfig(domains, r.bool(S + "subdomains", true),
                r.enumOf(S + "unknown-domain", SigningConfig.UnknownDomain.class, SigningConfig.UnknownDomain.REJECT),
                canonicalization(), headers, oversign, expireAfter(queueMaxAge), rotation,
                r.bool(S + "development-keys", false), r.bool(S + "require-unsubscribe", false), dnsUpdate);
    }

    /** {@code signing.rotation}; rotating on its own needs somewhere to publish the new records. */
    private RotationConfig rotation(boolean canPublish) {
        String p = S + "rotation.";
        Optional<Duration> every = r.optDuration(p + "every");
        if (every.isPresent() && !canPublish) {
            r.problem(p + "every", "needs relay.signing.dns-update (or a domain's dns-update): the relay publishes"
                    + " each new key's record itself before it signs with it");
        }
        Duration grace = r.duration(p + "grace", RotationConfig.RECOMMENDED_GRACE);
        Duration removeAfter = r.duration(p + "remove-after", Duration.ofDays(30));
        if (removeAfter.compareTo(grace) <= 0) {
            r.problem(p + "remove-after", "must be longer than rotation.grace (" + grace + "): the record is revoked"
                    + " after the grace period and deleted after remove-after, both counted from retirement");
        }
        return new RotationConfig(r.bool(p + "auto-activate", false), r.duration(p + "check-interval",
                Duration.ofMinutes(5)), r.optDuration(p + "max-age"), every, grace, removeAfter);
    }

    /**
     * The x= lifetime: {@code auto} (the default) is the queue's max-age plus one day, so a message retried until
     * the last moment still verifies on arrival (maddy signs for 120 h); {@code off} or null signs without x=.
     * A lifetime shorter than the queue's max-age would let queued mail expire before delivery, so it is refused.
     */
    private Optional<Duration> expireAfter(Duration queueMaxAge) {
        String path = S + "expire-after";
        if (r.isNull(path)) {
            return Optional.empty();
        }
        ConfigValue v = r.valueAt(path);
        if (v.valueType() == ConfigValueType.STRING) {
            String word = ((String) v.unwrapped()).trim();
            if (word.equals("off")) {
                return Optional.empty();
            }
            if (word.equals("auto")) {
                return Optional.of(queueMaxAge.plusDays(1));
            }
        }
        Duration d = r.duration(path, null);
        if (d == null) {
            return Optional.empty();
        }
        if (d.compareTo(queueMaxAge) < 0) {
            r.problem(path, "shorter than relay.queue.max-age (" + queueMaxAge.toHours() + "h): mail retried near "
                    + "the end of its time in the queue would arrive with an expired signature; use auto, off or "
                    + "at least the max-age");
        }
        return Optional.of(d);
    }

    private Map<String, DomainConfig> domains() {
        Map<String, DomainConfig> out = new LinkedHashMap<>();
        String path = S + "domains";
        ConfigValue value = r.valueAt(path);
        if (value == null || value.valueType() == ConfigValueType.NULL) {
            return out;
        }
        if (value.valueType() != ConfigValueType.OBJECT) {
            r.problem(path, "expected an object of domain blocks such as { \"example.com\" { } }");
            return out;
        }
        for (Map.Entry<String, ConfigObject> e : ConfigBinder.objects((ConfigObject) value).entrySet()) {
            String at = path + "." + KnownKeys.quoteIfNeeded(e.getKey());
            String domain = Names.lower(e.getKey());
            if (!Names.isDomainName(domain)) {
                r.problemAt(e.getValue().origin(), at, "not a domain name");
                continue;
            }
            if (out.containsKey(domain)) {
                r.problemAt(e.getValue().origin(), at, "domain listed twice");
                continue;
            }
            List<String> selectors = new ArrayList<>();
            if (!r.isNull(at + ".selectors")) {
                for (String s : r.stringList(at + ".selectors")) {
                    if (!Names.isDomainName(s)) {
                        r.problem(at + ".selectors", "\"" + s + "\" is not a selector (RFC 6376 section 3.1)");
                    } else if (selectors.contains(Names.lower(s))) {
                        r.problem(at + ".selectors", "selector \"" + s + "\" listed twice");
                    } else {
                        selectors.add(Names.lower(s));
                    }
                }
            }
            Optional<DnsUpdateConfig> update = r.isNull(at + ".dns-update") ? Optional.empty()
                    : new DnsUpdateBinder(r).bind(at + ".dns-update");
            out.put(domain, new DomainConfig(domain, selectors, update, delegateTo(at + ".delegate-to")));
        }
        return out;
    }

    /** A zone name the domain's key records are delegated to by CNAME. */
    private Optional<String> delegateTo(String path) {
        Optional<String> zone = r.optString(path).map(z -> Names.lower(z.strip()));
        if (zone.isPresent() && !Names.isDomainName(zone.get())) {
            r.problem(path, "\"" + zone.get() + "\" is not a domain name (the zone whose records the CNAMEs point to)");
            return Optional.empty();
        }
        return zone;
    }

    private List<String> headerNames(String path) {
        List<String> out = new ArrayList<>();
        for (String name : r.stringList(path)) {
            String lower = Names.lower(name.trim());
            if (!Names.isHeaderName(lower)) {
                r.problem(path, "\"" + name + "\" is not a header field name");
            } else if (!out.contains(lower)) {
                out.add(lower);
            }
        }
        return out;
    }

    /** {@code relaxed/relaxed}; a single word means that header canonicalization with simple body. */
    private String canonicalization() {
        String path = S + "canonicalization";
        Optional<String> text = Optional.ofNullable(r.string(path, null));
        if (text.isEmpty()) {
            return "relaxed/relaxed";
        }
        String[] parts = Names.lower(text.get().trim()).split("/", -1);
        boolean ok = parts.length <= 2;
        for (String p : parts) {
            ok &= p.equals("simple") || p.equals("relaxed");
        }
        if (!ok) {
            r.problem(path, "\"" + text.get() + "\" is not simple|relaxed[/simple|relaxed]");
            return "relaxed/relaxed";
        }
        return parts[0] + "/" + (parts.length == 2 ? parts[1] : "simple");
    }
}
