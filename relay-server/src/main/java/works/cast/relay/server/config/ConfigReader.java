package works.cast.relay.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Typed reads from a resolved HOCON tree that record a {@link ConfigProblem} instead of throwing, so one pass
 * reports every mistake; each read returns its fallback when the value is missing or wrong.
 */
final class ConfigReader {

    private final Config config;
    private final ConfigObject written;
    private final String prefix;
    private final List<ConfigProblem> problems;

    /**
     * @param config   the resolved tree (file merged over reference.conf)
     * @param written  the file's own tree, for origins: a problem about a default the file did not set points
     *                 at the nearest object the file wrote, not into reference.conf
     */
    ConfigReader(Config config, ConfigObject written, List<ConfigProblem> problems) {
        this(config, written, "", problems);
    }

    private ConfigReader(Config config, ConfigObject written, String prefix, List<ConfigProblem> problems) {
        this.config = config;
        this.written = written;
        this.prefix = prefix;
        this.problems = problems;
    }

    /** A reader for a nested object (a list element) whose paths display as {@code prefix.key}. */
    ConfigReader child(ConfigObject object, String displayPrefix) {
        return new ConfigReader(object.toConfig(), object, displayPrefix, problems);
    }

    Config config() {
        return config;
    }

    List<ConfigProblem> problems() {
        return problems;
    }

    /** Records a problem at the value's origin (or its nearest enclosing object's, when the value is absent). */
    void problem(String path, String message) {
        problems.add(new ConfigProblem(render(originOf(path)), display(path), message));
    }

    void problemAt(ConfigOrigin origin, String path, String message) {
        problems.add(new ConfigProblem(render(origin), display(path), message));
    }

    String display(String path) {
        return prefix.isEmpty() ? path : path.isEmpty() ? prefix : prefix + "." + path;
    }

    /** The value at {@code path}, or null when absent; a HOCON null comes back as a NULL-typed value. */
    ConfigValue valueAt(String path) {
        return valueAt(config.root(), path);
    }

    private static ConfigValue valueAt(ConfigObject root, String path) {
        ConfigValue current = root;
        for (String key : ConfigUtil.splitPath(path)) {
            if (!(current instanceof ConfigObject)) {
                return null;
            }
            current = ((ConfigObject) current).get(key);
            if (current == null) {
                return null;
            }
        }
        return current;
    }

    ConfigOrigin originOf(String path) {
        ConfigOrigin origin = deepestOrigin(written, path);
        if (origin == null) {
            origin = deepestOrigin(config.root(), path);
        }
        return origin == null ? config.root().origin() : origin;
    }

    private static ConfigOrigin deepestOrigin(ConfigObject root, String path) {
        List<String> keys = new ArrayList<>(ConfigUtil.splitPath(path));
        while (!keys.isEmpty()) {
            ConfigValue v = valueAt(root, ConfigUtil.joinPath(keys));
            if (v != null) {
                return v.origin();
            }
            keys.remove(keys.size() - 1);
        }
        return null;
    }

    static String render(ConfigOrigin origin) {
        String name = origin.filename() != null ? origin.filename()
                : origin.resource() != null ? origin.resource() : origin.description();
        return origin.lineNumber() > 0 ? name + ":" + origin.lineNumber() : name;
    }

    boolean isNull(String path) {
        ConfigValue v = valueAt(path);
        return v == null || v.valueType() == ConfigValueType.NULL;
    }

    /** True when the value is present and not null; records "missing" otherwise. */
    private boolean present(String path) {
        if (isNull(path)) {
            problem(path, "missing value");
            return false;
        }
        return true;
    }

    private void wrongType(String path, ConfigException e, String expected) {
        ConfigValue v = valueAt(path);
        String got = v == null ? "nothing" : v.valueType().name().toLowerCase(Locale.ROOT);
        if (e instanceof ConfigException.BadValue) {
            problem(path, "expected " + expected + ": " + stripOrigin(e));
        } else {
            problem(path, "expected " + expected + ", got " + got);
        }
    }

    static String stripOrigin(ConfigException e) {
        String message = e.getMessage();
        if (e.origin() != null && message.startsWith(e.origin().description() + ": ")) {
            message = message.substring(e.origin().description().length() + 2);
        }
        return message;
    }

    String string(String path, String fallback) {
        if (!present(path)) {
            return fallback;
        }
        ConfigValue v = valueAt(path);
        if (v.valueType() != ConfigValueType.STRING) {
            problem(path, "expected a string, got " + v.valueType().name().toLowerCase(Locale.ROOT));
            return fallback;
        }
        String s = (String) v.unwrapped();
        if (s.isBlank()) {
            problem(path, "empty string");
            return fallback;
        }
        return s;
    }

    Optional<String> optString(String path) {
        return isNull(path) ? Optional.empty() : Optional.ofNullable(string(path, null));
    }

    boolean bool(String path, boolean fallback) {
        if (!present(path)) {
            return fallback;
        }
        try {
            return config.getBoolean(path);
        } catch (ConfigException e) {
            wrongType(path, e, "true or false");
            return fallback;
        }
    }

    int intIn(String path, int min, int max, int fallback) {
        if (!present(path)) {
            return fallback;
        }
        try {
            ConfigValue v = valueAt(path);
            if (v.valueType() != ConfigValueType.NUMBER) {
                problem(path, "expected a number, got " + v.valueType().name().toLowerCase(Locale.ROOT));
                return fallback;
            }
            long n = config.getLong(path);
            if (n < min || n > max || ((Number) v.unwrapped()).doubleValue() != n) {
                problem(path, "must be a whole number in " + min + ".." + max + ", got " + v.unwrapped());
                return fallback;
            }
            return (int) n;
        } catch (ConfigException e) {
            wrongType(path, e, "a number");
            return fallback;
        }
    }

    /** A duration greater than zero (HOCON units: 30s, 5m, 1h, 5d). */
    Duration duration(String path, Duration fallback) {
        return duration(path, fallback, false);
    }

    Duration duration(String path, Duration fallback, boolean zeroAllowed) {
        if (!present(path)) {
            return fallback;
        }
        try {
            Duration d = config.getDuration(path);
            if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
                problem(path, "must be " + (zeroAllowed ? "zero or longer" : "longer than zero")
                        + ", got " + valueAt(path).unwrapped());
                return fallback;
            }
            return d;
        } catch (ConfigException e) {
            wrongType(path, e, "a duration such as 30s or 5m");
            return fallback;
        }
    }

    Optional<Duration> optDuration(String path) {
        return isNull(path) ? Optional.empty() : Optional.ofNullable(duration(path, null));
    }

    /** A size in bytes greater than zero (HOCON units: 25MiB, 1MB). */
    long bytes(String path, long fallback) {
        if (!present(path)) {
            return fallback;
        }
        try {
            long n = config.getBytes(path);
            if (n <= 0) {
                problem(path, "must be larger than zero");
                return fallback;
            }
            return n;
        } catch (ConfigException e) {
            wrongType(path, e, "a size such as 25MiB");
            return fallback;
        }
    }

    /** An enum constant from its lower-case, hyphenated name. */
    <E extends Enum<E>> E enumOf(String path, Class<E> type, E fallback) {
        String text = string(path, null);
        if (text == null) {
            return fallback;
        }
        String name = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        problem(path, "\"" + text + "\" is not one of " + names(type));
        return fallback;
    }

    static <E extends Enum<E>> String names(Class<E> type) {
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        return String.join(" | ", names);
    }

    List<String> stringList(String path) {
        if (!present(path)) {
            return List.of();
        }
        try {
            List<String> out = new ArrayList<>();
            for (ConfigValue v : config.getList(path)) {
                if (v.valueType() != ConfigValueType.STRING && v.valueType() != ConfigValueType.NUMBER) {
                    problemAt(v.origin(), path, "expected a list of strings, found a "
                            + v.valueType().name().toLowerCase(Locale.ROOT));
                } else {
                    out.add(String.valueOf(v.unwrapped()));
                }
            }
            return out;
        } catch (ConfigException e) {
            wrongType(path, e, "a list");
            return List.of();
        }
    }

    Optional<List<String>> optStringList(String path) {
        return isNull(path) ? Optional.empty() : Optional.of(stringList(path));
    }

    List<Duration> durationList(String path) {
        if (!present(path)) {
            return List.of();
        }
        try {
            List<Duration> out = config.getDurationList(path);
            for (Duration d : out) {
                if (d.isNegative() || d.isZero()) {
                    problem(path, "every duration must be longer than zero");
                    return List.of();
                }
            }
            return out;
        } catch (ConfigException e) {
            wrongType(path, e, "a list of durations");
            return List.of();
        }
    }

    Path path(String path, Path fallback) {
        return optPath(path, true).orElse(fallback);
    }

    Optional<Path> optPath(String path) {
        return optPath(path, false);
    }

    private Optional<Path> optPath(String path, boolean required) {
        if (!required && isNull(path)) {
            return Optional.empty();
        }
        String text = string(path, null);
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(text));
        } catch (InvalidPathException e) {
            problem(path, "not a valid path: " + e.getMessage());
            return Optional.empty();
        }
    }
}
