package works.cast.relay.core.keys;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import works.cast.relay.core.mail.Domain;

/**
 * An immutable snapshot of the key store: every selector of every domain. The relay swaps whole snapshots atomically
 * on reload, so a message being signed keeps the keys it started with.
 */
public final class KeyRing {

    private static final KeyRing EMPTY = new KeyRing(List.of());

    private final Map<String, List<SelectorKey>> byDomain;

    public KeyRing(List<SelectorKey> keys) {
        Map<String, List<SelectorKey>> m = new TreeMap<>();
        for (SelectorKey k : keys) {
            m.computeIfAbsent(k.domain().name(), d -> new ArrayList<>()).add(k);
        }
        m.replaceAll((d, list) -> list.stream().sorted(Comparator.comparing(SelectorKey::selector)).toList());
        this.byDomain = Map.copyOf(m);
    }

    public static KeyRing empty() {
        return EMPTY;
    }

    /** Every selector of a domain, sorted by name. */
    public List<SelectorKey> selectors(Domain domain) {
        return byDomain.getOrDefault(domain.name(), List.of());
    }

    /** The selectors that sign for a domain: RSA first, then Ed25519, each sorted by name. */
    public List<SelectorKey> active(Domain domain) {
        return selectors(domain).stream().filter(k -> k.state() == SelectorState.ACTIVE)
                .sorted(Comparator.comparing((SelectorKey k) -> k.key().algorithm()).thenComparing(SelectorKey::selector))
                .toList();
    }

    /** Domains that have at least one selector. */
    public List<Domain> domains() {
        return byDomain.keySet().stream().map(Domain::new).toList();
    }

    /** All selectors of all domains. */
    public List<SelectorKey> all() {
        return byDomain.values().stream().flatMap(List::stream).toList();
    }
}
