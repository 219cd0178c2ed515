package works.cast.relay.server.config;

import java.util.List;
import java.util.Objects;

/**
 * One signing domain (RFC 6376 section 3.5 {@code d=}) and, optionally, the selectors that sign for it.
 *
 * @param domain    the signing domain, lower case
 * @param selectors explicit selectors ({@code s=}); empty means the key store's active selectors
 */
public record DomainConfig(String domain, List<String> selectors) {

    public DomainConfig {
        Objects.requireNonNull(domain, "domain");
        selectors = List.copyOf(selectors);
    }
}
