package works.cast.relay.server.cli.keys;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the key store directory for the {@code keys} commands: {@code --keys-dir}, else {@code relay.keys-dir} of
 * the config ({@code --config}, {@code DKIM_RELAY_CONFIG}, or {@code conf/relay.conf} when it exists) over
 * {@code reference.conf}, else {@code keys}. Relative paths are taken from the working directory.
 */
public final class KeysDirLocator {

    static final String DEFAULT_CONFIG = "conf/relay.conf";

    private KeysDirLocator() {
    }

    public static Path locate(Optional<Path> configFile, Optional<Path> keysDir) {
        if (keysDir.isPresent()) {
            return keysDir.get();
        }
        Optional<Path> file = configFile
                .or(() -> Optional.ofNullable(System.getenv("DKIM_RELAY_CONFIG")).filter(s -> !s.isBlank()).map(Path::of))
                .or(() -> Optional.of(Path.of(DEFAULT_CONFIG)).filter(Files::isRegularFile));
        Config config = ConfigFactory.empty();
        if (file.isPresent()) {
            if (!Files.isRegularFile(file.get())) {
                throw new IllegalArgumentException("config file " + file.get() + ": not found");
            }
            try {
                config = ConfigFactory.parseFile(file.get().toFile());
            } catch (ConfigException e) {
                throw new IllegalArgumentException("config file " + file.get() + ": " + e.getMessage(), e);
            }
        }
        try {
            config = config.withFallback(ConfigFactory.parseResources("reference.conf")).resolve();
            return Path.of(config.hasPath("relay.keys-dir") ? config.getString("relay.keys-dir") : "keys");
        } catch (ConfigException e) {
            throw new IllegalArgumentException("relay.keys-dir: " + e.getMessage(), e);
        }
    }
}
