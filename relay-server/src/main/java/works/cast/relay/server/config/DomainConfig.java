package works.cast.relay.server.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One signing domain (RFC 6376 section 3.5 {@code d=}) and, optionally, the selectors that sign for it.
 *
 * @param domain    the signing domain, lower case
 * @param selectors explicit selectors ({@code s=}); empty means the key store's active selectors
 * @param dnsUpdate  this domain's own {@code dns-update} block, replacing {@code relay.signing.dns-update}
 * @param delegateTo the zone where the key records really live, reached by CNAMEs from the domain (empty = none)
 */
public record DomainConfig(String domain, List<String> selectors, Optional<DnsUpdateConfig> dnsUpdate,
                           Optional<String> delegateTo) {

    public DomainConfig {
        Objects.requireNonNull(domain, "domain");
        selectors = List.copyOf(selectors);
        Objects.requireNonNull(dnsUpdate, "dnsUpdate");
        Objects.requireNonNull(delegateTo, "delegateTo");
    }

    public DomainConfig(String domain, List<String> selectors) {
        this(domain, selectors, Optional.empty(), Optional.empty());
    }
}
