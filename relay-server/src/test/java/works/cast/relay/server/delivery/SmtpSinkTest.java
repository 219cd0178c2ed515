package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static works.cast.relay.server.delivery.Messages.await;
import static works.cast.relay.server.delivery.Messages.message;
import static works.cast.relay.server.delivery.Messages.plain;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.message.DeliveryResult;

/** Interop with Postfix's smtp-sink: dump files show what arrived (with LF line ends and its own headers first). */
class SmtpSinkTest {

    private final ExecutorService io = Executors.newCachedThreadPool();
    private Process sink;
    private SmarthostForwarder forwarder;

    @TempDir
    Path tmp;

    @AfterEach
    void stop() throws Exception {
        if (forwarder != null) {
            forwarder.close();
        }
        Tools.stop(sink);
        io.shutdownNow();
    }

    private int start(String... options) throws Exception {
        String path = Tools.require("/usr/sbin/smtp-sink");
        int port = Tools.freeTcpPort("127.0.0.1");
        Path dumps = tmp.resolve("dumps");
        Files.createDirectories(dumps);
        List<String> cmd = new java.util.ArrayList<>(List.of(path, "-u", "root", "-d", dumps + "/%M."));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("127.0.0.1:" + port, "10"));
        sink = Tools.start(cmd, tmp.resolve("sink.log"));
        Tools.awaitTcp("127.0.0.1", port, Duration.ofSeconds(10));
        forwarder = new SmarthostForwarder("127.0.0.1", port, 2, plain(), Duration.ofSeconds(30), io);
        return port;
    }

    /** The message part of the only dump file, after smtp-sink's Received field; waits a bounded time. */
    private String dump() throws Exception {
        Path dir = tmp.resolve("dumps");
        for (int i = 0; i < 100; i++) {
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> all = files.toList();
                if (!all.isEmpty()) {
                    Thread.sleep(100);
                    String text = Files.readString(all.get(0), StandardCharsets.ISO_8859_1);
                    int received = text.indexOf("Received: from ");
                    int afterDate = text.indexOf("\n", text.indexOf("\n", text.indexOf("\n", received) + 1) + 1);
                    return text.substring(afterDate + 1);
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("smtp-sink wrote no dump; log: " + Files.readString(tmp.resolve("sink.log")));
    }

    @Test
    void messageArrivesWithDotsIntact() throws Exception {
        start();
        String content = "Subject: sink\r\n\r\n.one\r\n..two\r\n.\r\nlast";
        Map<String, DeliveryResult> r = await(forwarder, message(content, "a@example.net", "b@example.net"));
        assertInstanceOf(DeliveryResult.Delivered.class, r.get("a@example.net"), r.toString());
        assertInstanceOf(DeliveryResult.Delivered.class, r.get("b@example.net"), r.toString());
        // smtp-sink stores lines with LF and adds an empty line at the end.
        assertEquals((content + "\r\n").replace("\r\n", "\n") + "\n", dump());
    }

    @Test
    void rejectedRecipientsFailOrDefer() throws Exception {
        start("-f", "RCPT");
        Map<String, DeliveryResult> r = await(forwarder, message("x\r\n", "a@example.net"));
        assertInstanceOf(DeliveryResult.Failed.class, r.get("a@example.net"), r.toString());
        stop();
        sink = null;
        start("-r", "RCPT");
        r = await(forwarder, message("x\r\n", "a@example.net"));
        assertInstanceOf(DeliveryResult.Deferred.class, r.get("a@example.net"), r.toString());
        assertTrue(r.get("a@example.net").reply().isTransient());
    }
}
