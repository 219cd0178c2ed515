package works.cast.relay.core.dkim;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** A {@link KeyResolver} over a fixed map from {@code selector._domainkey.domain} to the record text. */
public final class MapKeyResolver implements KeyResolver {

    private final Map<String, String> records = new TreeMap<>();

    public MapKeyResolver(Map<String, String> records) {
        records.forEach((name, value) -> this.records.put(normalize(name), value));
    }

    private static String normalize(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    @Override
    public Lookup lookup(String selector, String domain) {
        String value = records.get(normalize(selector + "._domainkey." + domain));
        return value == null ? new NotFound("no key record for " + selector + "._domainkey." + domain)
                : new Found(List.of(value));
    }
}
