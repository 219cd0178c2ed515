package works.cast.relay.core.dkim;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.keys.SigningKey;
import works.cast.relay.core.mail.Domain;

/**
 * What one DKIM signature should be: signing domain ({@code d=}), selector ({@code s=}), key, canonicalization,
 * header list and oversigning, and an optional expiry ({@code x=}).
 */
public record SigningRequest(Domain domain, String selector, SigningKey key, Canonicalization headerCanonicalization,
                             Canonicalization bodyCanonicalization, List<String> headers, Set<String> oversign,
                             Optional<Duration> expireAfter) {

    /** A selector is a dot-separated sequence of DNS labels (RFC 6376 section 3.1). */
    private static final Pattern SELECTOR =
            Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?)*");

    public SigningRequest {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(headerCanonicalization, "headerCanonicalization");
        Objects.requireNonNull(bodyCanonicalization, "bodyCanonicalization");
        if (selector == null || !SELECTOR.matcher(selector).matches()) {
            throw new IllegalArgumentException("selector: '" + selector + "' is not a valid DNS label sequence");
        }
        headers = List.copyOf(headers);
        oversign = Set.copyOf(oversign);
        Objects.requireNonNull(expireAfter, "expireAfter");
        if (expireAfter.isPresent() && (expireAfter.get().isNegative() || expireAfter.get().isZero())) {
            throw new IllegalArgumentException("expire-after: must be positive");
        }
    }

    /** relaxed/relaxed with the default header list and oversigning, no expiry. */
    public static SigningRequest of(Domain domain, String selector, SigningKey key) {
        return new SigningRequest(domain, selector, key, Canonicalization.RELAXED, Canonicalization.RELAXED,
                HeaderSelection.DEFAULT_HEADERS, HeaderSelection.DEFAULT_OVERSIGN, Optional.empty());
    }

    public SigningRequest withCanonicalization(Canonicalization header, Canonicalization body) {
        return new SigningRequest(domain, selector, key, header, body, headers, oversign, expireAfter);
    }

    public SigningAlgorithm algorithm() {
        return key.algorithm();
    }
}
