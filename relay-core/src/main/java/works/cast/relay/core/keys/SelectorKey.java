package works.cast.relay.core.keys;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import works.cast.relay.core.mail.Domain;

/**
 * One selector of a domain in the key store: its key, state and dates.
 *
 * @param domain    the signing domain ({@code d=})
 * @param selector  the selector ({@code s=})
 * @param key       the private key
 * @param state     pending, active or retired
 * @param created   when the key was made or imported
 * @param activated when it started signing, if it did
 * @param retired   when it stopped signing, if it did
 * @param revoked   when its DNS record became the revocation record {@code v=DKIM1; p=}, if it did
 * @param removed   when its DNS record was deleted, if it was
 */
public record SelectorKey(Domain domain, String selector, SigningKey key, SelectorState state, Instant created,
                          Optional<Instant> activated, Optional<Instant> retired, Optional<Instant> revoked,
                          Optional<Instant> removed) {

    public SelectorKey {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(activated, "activated");
        Objects.requireNonNull(retired, "retired");
        Objects.requireNonNull(revoked, "revoked");
        Objects.requireNonNull(removed, "removed");
    }

    public SelectorKey(Domain domain, String selector, SigningKey key, SelectorState state, Instant created,
                       Optional<Instant> activated, Optional<Instant> retired) {
        this(domain, selector, key, state, created, activated, retired, Optional.empty(), Optional.empty());
    }
}
