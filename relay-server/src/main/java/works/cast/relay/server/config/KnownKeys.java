package works.cast.relay.server.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.Map;
import java.util.Set;

/**
 * Reports keys under {@code relay} that {@code reference.conf} does not define, so a typo never passes silently.
 * Per-domain blocks under {@code relay.signing.domains} may hold only {@code selectors}, {@code dns-update} (with
 * the keys of {@code relay.signing.dns-update}) and {@code delegate-to}; listener entries only
 * the keys of the default listener.
 */
final class KnownKeys {

    static final String DOMAINS = "relay.signing.domains";
    static final String LISTEN = "relay.smtp.listen";
    static final Set<String> DOMAIN_KEYS = Set.of("selectors", "dns-update", "delegate-to");

    private final ConfigReader reader;
    private ConfigObject dnsUpdateKeys;

    KnownKeys(ConfigReader reader) {
        this.reader = reader;
    }

    void check(ConfigObject actual, ConfigObject known) {
        ConfigValue signing = known.get("signing");
        if (signing instanceof ConfigObject o && o.get("dns-update") instanceof ConfigObject d) {
            dnsUpdateKeys = d;
        }
        walk(actual, known, "relay");
    }

    private void walk(ConfigObject actual, ConfigObject known, String path) {
        for (Map.Entry<String, ConfigValue> e : actual.entrySet()) {
            String key = e.getKey();
            String child = path + "." + quoteIfNeeded(key);
            ConfigValue value = e.getValue();
            ConfigValue reference = known.get(key);
            if (path.equals(DOMAINS)) {
                checkDomainBlock(child, value);
            } else if (child.equals(RateLimitBinder.USER_RATES)) {
                continue; // user names are free; RateLimitBinder checks each entry's keys
            } else if (reference == null) {
                reader.problemAt(value.origin(), child, "unknown key" + suggestion(key, known.keySet()));
            } else if (reference.valueType() == ConfigValueType.OBJECT) {
                if (value.valueType() == ConfigValueType.OBJECT) {
                    walk((ConfigObject) value, (ConfigObject) reference, child);
                } else if (value.valueType() != ConfigValueType.NULL) {
                    reader.problemAt(value.origin(), child, "expected an object, got "
                            + value.valueType().name().toLowerCase(java.util.Locale.ROOT));
                }
            } else if (child.equals(LISTEN) && value.valueType() == ConfigValueType.LIST) {
                ConfigObject entryKeys = (ConfigObject) ((ConfigList) reference).get(0);
                ConfigList list = (ConfigList) value;
                for (int i = 0; i < list.size(); i++) {
                    if (list.get(i).valueType() == ConfigValueType.OBJECT) {
                        checkKeys((ConfigObject) list.get(i), entryKeys.keySet(), LISTEN + "[" + i + "]");
                    }
                }
            }
        }
    }

    private void checkDomainBlock(String path, ConfigValue value) {
        if (value.valueType() == ConfigValueType.OBJECT) {
            checkKeys((ConfigObject) value, DOMAIN_KEYS, path);
            ConfigValue update = ((ConfigObject) value).get("dns-update");
            if (update instanceof ConfigObject u && dnsUpdateKeys != null) {
                // a domain's dns-update block has the keys of relay.signing.dns-update
                walk(u, dnsUpdateKeys, path + ".dns-update");
            }
        } else if (value.valueType() != ConfigValueType.NULL) {
            reader.problemAt(value.origin(), path, "expected an object such as { selectors = [ s1 ] }");
        }
    }

    private void checkKeys(ConfigObject object, Set<String> allowed, String path) {
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            if (!allowed.contains(e.getKey())) {
                reader.problemAt(e.getValue().origin(), path + "." + quoteIfNeeded(e.getKey()),
                        "unknown key" + suggestion(e.getKey(), allowed));
            }
        }
    }

    static String quoteIfNeeded(String key) {
        return ConfigUtil.joinPath(key);
    }

    /** ", did you mean X?" for a known sibling at edit distance two or less. */
    private static String suggestion(String key, Set<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = distance(key, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best == null ? "" : ", did you mean " + best + "?";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
