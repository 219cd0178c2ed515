package works.cast.relay.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where signed mail goes and the SMTP client timeouts (RFC 5321 section 4.5.3.2).
 *
 * @param mode           directory, smarthost or mx
 * @param directory      the output directory in directory mode
 * @param smarthost      the smarthost settings
 * @param mx             the MX delivery settings
 * @param passthrough    answer the client with the upstream's reply instead of queueing
 * @param connectTimeout TCP connect timeout
 * @param commandTimeout wait for a reply to a command
 * @param dataTimeout    wait for the reply after the final dot
 */
public record DeliveryConfig(Mode mode, Path directory, SmarthostConfig smarthost, MxConfig mx, boolean passthrough,
                             Duration connectTimeout, Duration commandTimeout, Duration dataTimeout) {

    /** Delivery modes. */
    public enum Mode { DIRECTORY, SMARTHOST, MX }

    public DeliveryConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(smarthost, "smarthost");
        Objects.requireNonNull(mx, "mx");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        Objects.requireNonNull(dataTimeout, "dataTimeout");
    }
}
