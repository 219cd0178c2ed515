package works.cast.relay.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads the relay configuration: one HOCON file on top of the embedded {@code reference.conf}, bound by hand
 * into {@link RelayConfig} and validated, every problem reported at once (HOCON per Lightbend config's spec).
 *
 * <p>File selection: an explicit path, else {@code $DKIM_RELAY_CONFIG}, else {@code conf/relay.conf} when it
 * exists, else {@code reference.conf} alone. A file that sets {@code relay.signing.domains} replaces the default
 * domains instead of adding to them. Substitutions such as {@code ${?SMARTHOST_PASSWORD}} may read the
 * environment. Relative paths in the file resolve against the working directory, not the file's directory.
 */
public final class ConfigLoader {

    /** The environment variable naming the config file when no explicit path is given. */
    public static final String ENV = "DKIM_RELAY_CONFIG";
    /** The file read when neither an explicit path nor the environment names one. */
    public static final Path DEFAULT_FILE = Path.of("conf", "relay.conf");

    private ConfigLoader() {
    }

    /** Selects, parses, binds and validates, including the files it names. */
    public static RelayConfig load(Optional<Path> file) {
        return read(select(file, System::getenv), true);
    }

    /** Like {@link #load} but without checking that named files exist (for example configs). */
    public static RelayConfig parse(Optional<Path> file) {
        return read(select(file, System::getenv), false);
    }

    /** The file to read: explicit, else {@code env(DKIM_RELAY_CONFIG)}, else conf/relay.conf if present. */
    public static Optional<Path> select(Optional<Path> explicit, Function<String, String> env) {
        if (explicit.isPresent()) {
            return explicit;
        }
        String fromEnv = env.apply(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(Path.of(fromEnv));
        }
        return Files.exists(DEFAULT_FILE) ? Optional.of(DEFAULT_FILE) : Optional.empty();
    }

    /** Parses exactly {@code file} (or only the defaults when empty); {@code checkFiles} adds the file checks. */
    public static RelayConfig read(Optional<Path> file, boolean checkFiles) {
        List<ConfigProblem> problems = new ArrayList<>();
        Config reference = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), "reference.conf",
                ConfigParseOptions.defaults().setAllowMissing(false));
        Config written = file.isPresent() ? parseFile(file.get(), problems) : ConfigFactory.empty();
        Config merged = written == null ? null : merge(written, file, reference, problems);
        if (merged == null) {
            throw new InvalidConfigException(problems);
        }
        ConfigReader reader = new ConfigReader(merged, written.root(), problems);
        if (merged.root().get("relay") == null || merged.root().get("relay").valueType() != ConfigValueType.OBJECT) {
            reader.problem("relay", "expected an object");
            throw new InvalidConfigException(problems);
        }
        new KnownKeys(reader).check((ConfigObject) merged.root().get("relay"),
                (ConfigObject) reference.root().get("relay"));
        RelayConfig config = new ConfigBinder(reader).bind(file);
        if (checkFiles) {
            new ConfigFiles(reader).check();
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(new ArrayList<>(new LinkedHashSet<>(problems)));
        }
        return config;
    }

    private static Config parseFile(Path path, List<ConfigProblem> problems) {
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            problems.add(new ConfigProblem(path.toString(), "",
                    Files.exists(path) ? "not a readable file" : "no such file"));
            return null;
        }
        try {
            return ConfigFactory.parseFile(path.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            problems.add(fromException(e, path.toString()));
            return null;
        }
    }

    private static Config merge(Config written, Optional<Path> file, Config reference, List<ConfigProblem> problems) {
        if (written.hasPathOrNull(KnownKeys.DOMAINS)) {
            reference = reference.withoutPath(KnownKeys.DOMAINS);
        }
        try {
            return written.withFallback(reference).resolve(ConfigResolveOptions.defaults());
        } catch (ConfigException e) {
            problems.add(fromException(e, file.map(Path::toString).orElse("reference.conf")));
            return null;
        }
    }

    private static ConfigProblem fromException(ConfigException e, String fallbackOrigin) {
        String origin = e.origin() == null ? fallbackOrigin : ConfigReader.render(e.origin());
        return new ConfigProblem(origin, "", ConfigReader.stripOrigin(e));
    }
}
