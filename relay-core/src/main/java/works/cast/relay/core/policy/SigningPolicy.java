package works.cast.relay.core.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import works.cast.relay.core.dkim.SigningAlgorithm;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.keys.KeyRing;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.mail.AuthorAddress;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.core.mail.FromHeaderException;
import works.cast.relay.core.mail.HeaderBlock;

/**
 * Maps a message's From domain to its signing domain and selectors (DESIGN: From domain -> signing domain -> active
 * selectors). Fails closed: a configured domain whose keys cannot sign gives {@link SigningDecision.TempFail}, never
 * unsigned mail. Every configured domain signs with RSA; Ed25519 is added beside RSA, never alone, because some
 * receivers still do not verify Ed25519.
 *
 * <p>Thread-safe: the key ring is read once per decision from the supplier, which the relay swaps on reload.
 */
public final class SigningPolicy {

    /** What to do with mail of a domain that is not configured. */
    public enum UnknownDomain { REJECT, PASS }

    private final Map<String, DomainPolicy> domains = new LinkedHashMap<>();
    private final boolean subdomains;
    private final UnknownDomain unknownDomain;
    private final Canonicalization headerCanonicalization;
    private final Canonicalization bodyCanonicalization;
    private final List<String> headers;
    private final Set<String> oversign;
    private final Optional<Duration> expireAfter;
    private final Supplier<KeyRing> keys;

    public SigningPolicy(List<DomainPolicy> domains, boolean subdomains, UnknownDomain unknownDomain,
                         Canonicalization headerCanonicalization, Canonicalization bodyCanonicalization,
                         List<String> headers, Set<String> oversign, Optional<Duration> expireAfter,
                         Supplier<KeyRing> keys) {
        for (DomainPolicy d : domains) {
            this.domains.put(d.domain().name(), d);
        }
        this.subdomains = subdomains;
        this.unknownDomain = unknownDomain;
        this.headerCanonicalization = headerCanonicalization;
        this.bodyCanonicalization = bodyCanonicalization;
        this.headers = List.copyOf(headers);
        this.oversign = Set.copyOf(oversign);
        this.expireAfter = expireAfter;
        this.keys = keys;
    }

    public Canonicalization bodyCanonicalization() {
        return bodyCanonicalization;
    }

    /** The configured domain that signs for {@code author}: itself, or its nearest configured parent. */
    public Optional<DomainPolicy> signingDomainFor(Domain author) {
        DomainPolicy exact = domains.get(author.name());
        if (exact != null || !subdomains) {
            return Optional.ofNullable(exact);
        }
        for (Optional<Domain> p = author.parent(); p.isPresent(); p = p.get().parent()) {
            DomainPolicy d = domains.get(p.get().name());
            if (d != null) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** Decides for a message by its header block. */
    public SigningDecision decide(HeaderBlock headerBlock) {
        AuthorAddress author;
        try {
            author = AuthorAddress.of(headerBlock);
        } catch (FromHeaderException e) {
            return new SigningDecision.Reject(e.getMessage());
        }
        return decide(author.domain());
    }

    /** Decides for an author domain. */
    public SigningDecision decide(Domain author) {
        Optional<DomainPolicy> policy = signingDomainFor(author);
        if (policy.isEmpty()) {
            return unknownDomain == UnknownDomain.PASS ? new SigningDecision.PassUnsigned(author)
                    : new SigningDecision.Reject("domain " + author + " is not signed by this relay");
        }
        Domain signing = policy.get().domain();
        List<SelectorKey> chosen = selectorsFor(policy.get(), keys.get());
        if (chosen.isEmpty()) {
            return new SigningDecision.TempFail(signing, policy.get().selectors().isEmpty()
                    ? "no active key for " + signing
                    : "no active key among the selectors pinned for " + signing + " " + policy.get().selectors());
        }
        if (chosen.stream().noneMatch(k -> k.key().algorithm() == SigningAlgorithm.RSA_SHA256)) {
            return new SigningDecision.TempFail(signing, "no active RSA key for " + signing
                    + " (Ed25519 signs only beside RSA)");
        }
        List<SigningRequest> requests = new ArrayList<>(chosen.size());
        for (SelectorKey k : chosen) {
            requests.add(new SigningRequest(signing, k.selector(), k.key(), headerCanonicalization,
                    bodyCanonicalization, headers, oversign, expireAfter));
        }
        return new SigningDecision.Sign(author, signing, requests);
    }

    /** The active selectors, or the pinned ones among them: a pinned selector retired or pending does not sign. */
    private static List<SelectorKey> selectorsFor(DomainPolicy policy, KeyRing ring) {
        if (policy.selectors().isEmpty()) {
            return ring.active(policy.domain());
        }
        List<SelectorKey> out = new ArrayList<>();
        for (SelectorKey k : ring.active(policy.domain())) {
            if (policy.selectors().contains(k.selector())) {
                out.add(k);
            }
        }
        return out;
    }
}
