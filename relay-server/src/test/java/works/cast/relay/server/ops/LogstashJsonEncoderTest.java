package works.cast.relay.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/** The JSON log line: logstash field names, the summary's key-value pairs as typed fields of their own. */
class LogstashJsonEncoderTest {

    private final LoggerContext context = new LoggerContext();

    {
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    }

    private String encode(LoggingEvent event) {
        LogstashJsonEncoder encoder = new LogstashJsonEncoder();
        encoder.setContext(context);
        encoder.setZone(ZoneId.of("Asia/Tokyo"));
        encoder.start();
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

    private LoggingEvent event(String message, Object... args) {
        Logger logger = context.getLogger("works.cast.relay.message");
        LoggingEvent e = new LoggingEvent("fqcn", logger, Level.INFO, message, null, args);
        e.setTimeStamp(1_764_900_000_123L);
        e.setThreadName("relay-io-1");
        return e;
    }

    @Test
    void fieldsHaveLogstashNames() {
        LoggingEvent e = event("message id={} result=queued", "01ABC");
        e.addKeyValuePair(new KeyValuePair("queue_id", "01ABC"));
        e.addKeyValuePair(new KeyValuePair("rcpts", 2));
        e.addKeyValuePair(new KeyValuePair("size", 1234L));
        e.addKeyValuePair(new KeyValuePair("from", "<a\"b@cast.works>\n"));
        e.addKeyValuePair(new KeyValuePair("message", "cannot replace the message"));
        assertEquals("{\"@timestamp\":\"2025-12-05T11:00:00.123+09:00\",\"@version\":\"1\","
                + "\"message\":\"message id=01ABC result=queued\",\"logger_name\":\"works.cast.relay.message\","
                + "\"thread_name\":\"relay-io-1\",\"level\":\"INFO\",\"level_value\":20000,"
                + "\"queue_id\":\"01ABC\",\"rcpts\":2,\"size\":1234,\"from\":\"<a\\\"b@cast.works>\\n\"}\n",
                encode(e));
    }

    @Test
    void aThrowableBecomesTheStackTrace() {
        Logger logger = context.getLogger("x");
        LoggingEvent e = new LoggingEvent("fqcn", logger, Level.ERROR, "failed", new IllegalStateException("boom"),
                null);
        String line = encode(e);
        assertTrue(line.contains("\"level\":\"ERROR\""), line);
        assertTrue(line.contains("\"stack_trace\":\"java.lang.IllegalStateException: boom\\n\\tat "), line);
        assertTrue(line.endsWith("}\n") && line.indexOf('\n') == line.length() - 1, "one line: " + line);
    }
}
