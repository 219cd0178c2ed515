package works.cast.relay.core.dkim;

import java.util.List;

/**
 * Finds the DKIM key records of {@code selector._domainkey.domain} (RFC 6376 section 3.6.2). Implementations: DNS
 * (in the server module) and a file map for tests and offline checks. May block; call off event loops.
 */
public interface KeyResolver {

    /** The answer to one lookup. */
    sealed interface Lookup permits Found, NotFound, TempError {
    }

    /** The TXT records at the name, each with its strings joined. */
    record Found(List<String> records) implements Lookup {
        public Found {
            records = List.copyOf(records);
        }
    }

    /** NXDOMAIN, or the name has no TXT record. */
    record NotFound(String reason) implements Lookup {
    }

    /** The lookup failed in a way that may pass (timeout, SERVFAIL). */
    record TempError(String reason) implements Lookup {
    }

    Lookup lookup(String selector, String domain);
}
