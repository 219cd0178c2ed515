package works.cast.relay.server.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.Reply;

/** A forwarder that records each call with the bytes it would send and answers from a per-call script. */
public final class RecordingForwarder implements Forwarder {

    /** One call: the message and its content as read at call time. */
    public record Call(OutboundMessage message, byte[] content) {
    }

    public static final Reply OK = new Reply(250, "2.0.0", "Ok");
    public static final Reply BUSY = new Reply(451, "4.4.1", "Try again later");
    public static final Reply NO_USER = new Reply(550, "5.1.1", "No such user");

    private final List<Call> calls = new ArrayList<>();
    private final Deque<Function<OutboundMessage, CompletionStage<Map<String, DeliveryResult>>>> script =
            new ArrayDeque<>();

    /** The next call answers every recipient with {@code result}. */
    public synchronized RecordingForwarder thenAll(Function<Reply, DeliveryResult> kind, Reply reply) {
        script.add(m -> {
            Map<String, DeliveryResult> out = new LinkedHashMap<>();
            m.recipients().forEach(r -> out.put(r, kind.apply(reply)));
            return CompletableFuture.completedFuture(out);
        });
        return this;
    }

    /** The next call answers per recipient. */
    public synchronized RecordingForwarder then(Map<String, DeliveryResult> results) {
        script.add(m -> CompletableFuture.completedFuture(results));
        return this;
    }

    /** The next call answers when the test completes the returned future. */
    public synchronized CompletableFuture<Map<String, DeliveryResult>> thenHold() {
        CompletableFuture<Map<String, DeliveryResult>> f = new CompletableFuture<>();
        script.add(m -> f);
        return f;
    }

    @Override
    public synchronized CompletionStage<Map<String, DeliveryResult>> forward(OutboundMessage message) {
        calls.add(new Call(message, read(message)));
        if (script.isEmpty()) {
            throw new AssertionError("unexpected forward of " + message.id() + " to " + message.recipients());
        }
        return script.poll().apply(message);
    }

    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    private static byte[] read(OutboundMessage m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ReadableByteChannel ch = m.content().open()) {
            ByteBuffer b = ByteBuffer.allocate(7);
            while (ch.read(b) >= 0) {
                b.flip();
                out.write(b.array(), 0, b.limit());
                b.clear();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Override
    public String describe() {
        return "smarthost mail.example.net:587";
    }

    @Override
    public void close() {
    }
}
