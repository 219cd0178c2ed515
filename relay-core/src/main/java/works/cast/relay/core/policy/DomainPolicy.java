package works.cast.relay.core.policy;

import java.util.List;
import java.util.Objects;
import works.cast.relay.core.mail.Domain;

/**
 * Signing settings of one configured domain.
 *
 * @param domain    the signing domain
 * @param selectors selectors named in the configuration; empty means the key store's active selectors
 */
public record DomainPolicy(Domain domain, List<String> selectors) {
    public DomainPolicy {
        Objects.requireNonNull(domain, "domain");
        selectors = List.copyOf(selectors);
    }
}
