package works.cast.relay.server.keys;

import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.keys.KeyAlgorithm;
import works.cast.relay.core.keys.KeyRing;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.mail.Domain;

/**
 * The two selector names a delegated domain alternates between, as SendGrid and Amazon SES do: {@code s1}/{@code s2}
 * for RSA keys and {@code e1}/{@code e2} for Ed25519. The domain's owner adds one CNAME per name once
 * ({@code s1._domainkey.d CNAME s1.d.<delegate-to>.}); every later rotation only changes records in the delegated zone.
 */
public final class StableSelectors {

    private static final Logger log = LoggerFactory.getLogger(StableSelectors.class);

    private StableSelectors() {
    }

    /** The names for an algorithm's keys. */
    public static List<String> names(KeyAlgorithm algorithm) {
        return algorithm == KeyAlgorithm.ED25519 ? List.of("e1", "e2") : List.of("s1", "s2");
    }

    /** Every stable name, for the CNAMEs to print. */
    public static List<String> all() {
        return List.of("s1", "s2", "e1", "e2");
    }

    /**
     * The stable name a new key of {@code algorithm} takes: a free one, or a retired one whose record has been removed
     * (dropped from the store first, so the name can be used again). Empty when both are still in use: an active or
     * pending key, or a retired one whose record is still published.
     */
    public static Optional<String> next(KeyStore store, KeyRing ring, Domain domain, KeyAlgorithm algorithm) {
        for (String name : names(algorithm)) {
            if (ring.selectors(domain).stream().noneMatch(k -> k.selector().equals(name))) {
                return Optional.of(name);
            }
        }
        for (String name : names(algorithm)) {
            SelectorKey k = ring.selectors(domain).stream().filter(x -> x.selector().equals(name)).findFirst()
                    .orElseThrow();
            if (k.state() == SelectorState.RETIRED && k.removed().isPresent()) {
                store.forget(domain, name);
                log.info("stable selector reused domain={} selector={} old_record_removed={}", domain, name,
                        k.removed().get());
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }
}
