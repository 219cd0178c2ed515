package works.cast.relay.server.ops;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import java.util.Locale;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.config.LoggingConfig;

/**
 * Applies {@code relay.logging.format} (plain or JSON lines) once the config is read: the logging config selects its
 * appender by the {@code dkim-relay.log.format} property, so the relay sets it and reloads the logging config.
 * A format given with {@code -Ddkim-relay.log.format} on the command line wins.
 */
public final class LogFormat {

    public static final String PROPERTY = "dkim-relay.log.format";

    private LogFormat() {
    }

    public static void apply(LoggingConfig config) {
        String wanted = config.format().name().toLowerCase(Locale.ROOT);
        if (System.getProperty(PROPERTY) != null || wanted.equals("plain")) {
            return;
        }
        System.setProperty(PROPERTY, wanted);
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.reset();
            try {
                new ContextInitializer(context).autoConfig();
            } catch (JoranException e) {
                System.err.println("dkim-relay: cannot reload the logging config: " + e.getMessage());
            }
        }
    }
}
