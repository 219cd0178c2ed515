package works.cast.relay.server.cli.keys;

import java.nio.file.Path;
import java.util.Optional;
import works.cast.relay.server.config.ConfigLoader;
import works.cast.relay.server.config.InvalidConfigException;

/**
 * Finds the key store directory for the {@code keys} commands: {@code --keys-dir}, else {@code relay.keys-dir} of
 * the configuration the relay itself would read ({@code --config}, {@code DKIM_RELAY_CONFIG}, {@code conf/relay.conf}
 * when it exists, else the defaults). Relative paths are taken from the working directory.
 */
public final class KeysDirLocator {

    private KeysDirLocator() {
    }

    public static Path locate(Optional<Path> configFile, Optional<Path> keysDir) {
        if (keysDir.isPresent()) {
            return keysDir.get();
        }
        try {
            return ConfigLoader.parse(configFile).keysDir();
        } catch (InvalidConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
