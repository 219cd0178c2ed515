package works.cast.relay.server.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.event.KeyValuePair;
import works.cast.relay.server.json.Json;

/**
 * One JSON object per log line (RFC 8259) with logstash-logback-encoder's field names: {@code @timestamp}
 * (ISO-8601 with offset), {@code @version}, {@code message}, {@code logger_name}, {@code thread_name},
 * {@code level}, {@code level_value}, {@code stack_trace}, the MDC, and each key-value pair of the event (SLF4J 2
 * {@code addKeyValue}) as a field of its own, numbers as numbers: the per-message and per-delivery summaries carry
 * {@code queue_id}, {@code client}, {@code result} and the rest that way, so Loki, Elasticsearch or
 * {@code journalctl -o json} users filter without parsing the message.
 */
public final class LogstashJsonEncoder extends EncoderBase<ILoggingEvent> {

    private static final byte[] NONE = new byte[0];
    private static final Set<String> RESERVED = Set.of("@timestamp", "@version", "message", "logger_name",
            "thread_name", "level", "level_value", "stack_trace");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

    private ZoneId zone = ZoneId.systemDefault();

    /** The zone of {@code @timestamp}; the system's by default. */
    public void setZone(ZoneId zone) {
        this.zone = zone;
    }

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("@timestamp", TIME.format(Instant.ofEpochMilli(event.getTimeStamp()).atZone(zone)));
        m.put("@version", "1");
        m.put("message", event.getFormattedMessage());
        m.put("logger_name", event.getLoggerName());
        m.put("thread_name", event.getThreadName());
        m.put("level", event.getLevel().toString());
        m.put("level_value", event.getLevel().toInt());
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            m.put("stack_trace", ThrowableProxyUtil.asString(thrown));
        }
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc != null) {
            mdc.forEach((k, v) -> field(m, k, v));
        }
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        if (pairs != null) {
            for (KeyValuePair p : pairs) {
                field(m, p.key, p.value);
            }
        }
        return (Json.write(m) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** A field of its own; a name the encoder writes itself is never overwritten by one from the event. */
    private static void field(Map<String, Object> m, String key, Object value) {
        if (key == null || RESERVED.contains(key)) {
            return;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Boolean || value == null) {
            m.put(key, value);
        } else if (value instanceof Number n) {
            m.put(key, n.longValue());
        } else {
            m.put(key, String.valueOf(value));
        }
    }
}
