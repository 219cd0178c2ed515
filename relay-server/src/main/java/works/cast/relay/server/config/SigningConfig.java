package works.cast.relay.server.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * DKIM signing policy (RFC 6376 section 5): domains, header selection, canonicalization and expiry.
 *
 * @param domains          signing domains by name, in file order
 * @param subdomains       a From subdomain signs with its parent signing domain
 * @param unknownDomain    what happens to mail from a domain that is not configured
 * @param canonicalization the {@code c=} value, {@code header/body}
 * @param headers          header field names to sign ({@code h=}), lower case
 * @param oversign         names signed once more than present, so they cannot be added
 * @param expireAfter      signature lifetime ({@code x=}) when set
 * @param rotation         key rotation behaviour
 * @param developmentKeys  make RSA and Ed25519 keys at startup for configured domains that have none (for a
 *                         development relay; a production relay refuses to start without keys instead)
 * @param requireUnsubscribe refuse bulk mail without a one-click List-Unsubscribe (RFC 8058) instead of counting it
 * @param dnsUpdate        where key records are published by RFC 2136 update, unless a domain has its own block
 */
public record SigningConfig(Map<String, DomainConfig> domains, boolean subdomains, UnknownDomain unknownDomain,
                            String canonicalization, List<String> headers, List<String> oversign,
                            Optional<Duration> expireAfter, RotationConfig rotation, boolean developmentKeys,
                            boolean requireUnsubscribe, Optional<DnsUpdateConfig> dnsUpdate) {

    /** Mail from a From domain with no signing domain. */
    public enum UnknownDomain { REJECT, PASS }

    public SigningConfig {
        domains = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(domains));
        Objects.requireNonNull(unknownDomain, "unknownDomain");
        Objects.requireNonNull(canonicalization, "canonicalization");
        headers = List.copyOf(headers);
        oversign = List.copyOf(oversign);
        Objects.requireNonNull(expireAfter, "expireAfter");
        Objects.requireNonNull(rotation, "rotation");
        Objects.requireNonNull(dnsUpdate, "dnsUpdate");
    }

    public SigningConfig(Map<String, DomainConfig> domains, boolean subdomains, UnknownDomain unknownDomain,
                         String canonicalization, List<String> headers, List<String> oversign,
                         Optional<Duration> expireAfter, RotationConfig rotation, boolean developmentKeys,
                         boolean requireUnsubscribe) {
        this(domains, subdomains, unknownDomain, canonicalization, headers, oversign, expireAfter, rotation,
                developmentKeys, requireUnsubscribe, Optional.empty());
    }

    /** The dynamic update settings for a signing domain: its own block, else the relay-wide one, else none. */
    public Optional<DnsUpdateConfig> dnsUpdateFor(String domain) {
        DomainConfig d = domains.get(domain);
        return d != null && d.dnsUpdate().isPresent() ? d.dnsUpdate() : dnsUpdate;
    }

    /** The zone a domain's key records are delegated to ({@code delegate-to}), if any. */
    public Optional<String> delegateTo(String domain) {
        DomainConfig d = domains.get(domain);
        return d == null ? Optional.empty() : d.delegateTo();
    }
}
