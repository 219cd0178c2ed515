package works.cast.relay.server.ops;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import java.util.Iterator;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.config.LoggingConfig;

/**
 * The relay's log line format ({@code relay.logging.format}): plain lines as the logging config writes them, or one
 * JSON object per line (logstash field names: {@code @timestamp}, {@code level}, {@code logger_name},
 * {@code thread_name}, {@code message}, and the summaries' fields of their own; see {@link LogstashJsonEncoder}),
 * made by giving the configured stdout appenders that encoder. {@link #reload} reads the logging config again, so
 * levels change on SIGHUP without a restart.
 */
public final class LogFormat {

    private LogFormat() {
    }

    /** Applies the format to the appenders of the root logger. */
    public static void apply(LoggingConfig config) {
        if (config.format() != LoggingConfig.Format.JSON
                || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof OutputStreamAppender<ILoggingEvent> out) {
                LogstashJsonEncoder json = new LogstashJsonEncoder();
                json.setContext(context);
                json.start();
                out.stop();
                out.setEncoder(json);
                out.start();
            }
        }
    }

    /** Reads the logging config again (levels, loggers) and applies the format. */
    public static void reload(LoggingConfig config) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        context.reset();
        try {
            new ContextInitializer(context).autoConfig();
        } catch (JoranException e) {
            System.err.println("dkim-relay: cannot read the logging config again: " + e.getMessage());
        }
        apply(config);
    }
}
