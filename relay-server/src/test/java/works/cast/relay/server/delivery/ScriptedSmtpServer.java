package works.cast.relay.server.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A small blocking SMTP server on loopback for client tests: scripted capabilities and replies, records every
 * command line, whether more input was already waiting when a command was read (pipelining) and each message's
 * content after dot-unstuffing, byte for byte. Hostile scripts: extra replies written together with a command's
 * reply ({@link #extra}), a reply to the data before the content ({@link #answerBeforeContent}), text injected
 * after the {@code 220} to STARTTLS ({@link #afterStartTls}).
 */
final class ScriptedSmtpServer implements AutoCloseable {

    /** One received message. */
    record Message(String mailFrom, List<String> recipients, byte[] content) {
        String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    volatile String greeting = "220 sink.test ESMTP";
    volatile List<String> capabilities = List.of("PIPELINING", "SIZE 10000000", "8BITMIME", "SMTPUTF8",
            "ENHANCEDSTATUSCODES");
    volatile boolean rejectEhlo;
    volatile boolean silent;
    volatile boolean silentAfterData;
    volatile String malformedMailReply;
    volatile Function<String, String> rcptReply = r -> "250 2.1.5 Ok";
    volatile String dataReply = "250 2.0.0 Ok: queued as TEST";
    /** Verb (upper case) to reply lines sent in the same write after that command's own reply. */
    final java.util.Map<String, String> extra = new java.util.concurrent.ConcurrentHashMap<>();
    /** After 354: read one content line, send {@link #dataReply}, then read nothing more. */
    volatile boolean answerBeforeContent;
    /** Capabilities offered only in the EHLO reply inside TLS (REQUIRETLS, RFC 8689 section 2). */
    volatile List<String> tlsCapabilities = List.of();
    /** Offers and does STARTTLS with this context when set. */
    volatile javax.net.ssl.SSLContext tls;
    /** Raw bytes sent right after the 220 to STARTTLS, in the same write, ahead of the handshake. */
    volatile String afterStartTls = "";
    final List<Boolean> encrypted = new CopyOnWriteArrayList<>();

    final AtomicInteger connections = new AtomicInteger();
    final List<String> commands = new CopyOnWriteArrayList<>();
    final List<String> pipelinedCommands = new CopyOnWriteArrayList<>();
    final LinkedBlockingQueue<Message> messages = new LinkedBlockingQueue<>();

    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

    ScriptedSmtpServer() throws IOException {
        this("127.0.0.1", 0);
    }

    /**
     * One server on each loopback address, all on the same free port (MX delivery connects to one port), in the
     * order given; when another process takes the port on one of the addresses meanwhile, all are closed and
     * bound again on another port, at most six times.
     */
    static List<ScriptedSmtpServer> onOnePort(String... addresses) throws IOException {
        for (int attempt = 0; ; attempt++) {
            List<ScriptedSmtpServer> servers = new java.util.ArrayList<>();
            try {
                for (String a : addresses) {
                    servers.add(new ScriptedSmtpServer(a, servers.isEmpty() ? 0 : servers.get(0).port()));
                }
                return servers;
            } catch (java.net.BindException e) {
                for (ScriptedSmtpServer s : servers) {
                    s.close();
                }
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    ScriptedSmtpServer(String address, int port) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        acceptor = new Thread(this::accept, "scripted-smtp-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    Message next(Duration timeout) throws InterruptedException {
        Message m = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (m == null) {
            throw new AssertionError("no message within " + timeout);
        }
        return m;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "scripted-smtp");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket plain) {
        Socket s = plain;
        try (plain) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            s.setSoTimeout(20_000);
            if (silent) {
                in.read();
                return;
            }
            reply(out, greeting);
            String from = null;
            List<String> rcpts = new CopyOnWriteArrayList<>();
            String line;
            while ((line = readLine(in)) != null) {
                commands.add(line);
                if (in.available() > 0) {
                    pipelinedCommands.add(line);
                }
                String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> {
                        if (rejectEhlo) {
                            reply(out, "502 5.5.2 EHLO not implemented");
                        } else {
                            StringBuilder sb = new StringBuilder("250-sink.test");
                            List<String> caps = new java.util.ArrayList<>(capabilities);
                            if (tls != null && !(s instanceof javax.net.ssl.SSLSocket)) {
                                caps.add("STARTTLS");
                            }
                            if (s instanceof javax.net.ssl.SSLSocket) {
                                caps.addAll(tlsCapabilities);
                            }
                            for (String c : caps) {
                                sb.append("\r\n250-").append(c);
                            }
                            int last = sb.lastIndexOf("250-");
                            sb.setCharAt(last + 3, ' ');
                            reply(out, sb.toString() + extra(verb));
                        }
                    }
                    case "STARTTLS" -> {
                        out.write(("220 2.0.0 Ready to start TLS\r\n" + afterStartTls)
                                .getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) tls.getSocketFactory()
                                .createSocket(s, null, true);
                        ssl.setUseClientMode(false);
                        ssl.startHandshake();
                        s = ssl;
                        in = ssl.getInputStream();
                        out = ssl.getOutputStream();
                    }
                    case "HELO" -> reply(out, "250 sink.test");
                    case "MAIL" -> {
                        if (malformedMailReply != null) {
                            reply(out, malformedMailReply);
                        } else {
                            from = line;
                            rcpts.clear();
                            encrypted.add(s instanceof javax.net.ssl.SSLSocket);
                            reply(out, "250 2.1.0 Ok" + extra(verb));
                        }
                    }
                    case "RCPT" -> {
                        String r = line.substring(line.indexOf('<') + 1, line.lastIndexOf('>'));
                        String answer = rcptReply.apply(r);
                        if (answer.startsWith("2")) {
                            rcpts.add(r);
                        }
                        reply(out, answer + extra(verb));
                    }
                    case "DATA" -> {
                        if (from == null || rcpts.isEmpty()) {
                            reply(out, "554 5.5.1 No valid recipients");
                            continue;
                        }
                        reply(out, "354 End data with <CR><LF>.<CR><LF>" + extra(verb));
                        if (answerBeforeContent) {
                            readLine(in);
                            reply(out, dataReply);
                            closed.await(20, TimeUnit.SECONDS);
                            return;
                        }
                        byte[] content = readData(in);
                        messages.add(new Message(from, List.copyOf(rcpts), content));
                        if (silentAfterData) {
                            in.read();
                            return;
                        }
                        reply(out, dataReply);
                        from = null;
                    }
                    case "RSET" -> {
                        from = null;
                        rcpts.clear();
                        reply(out, "250 2.0.0 Ok");
                    }
                    case "NOOP" -> reply(out, "250 2.0.0 Ok");
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> reply(out, "502 5.5.2 Command not recognized");
                }
            }
        } catch (SocketException e) {
            // closed by the client or by close()
        } catch (IOException e) {
            // test peer: the client side reports what matters
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String extra(String verb) {
        String e = extra.get(verb);
        return e == null ? "" : "\r\n" + e;
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return null;
    }

    /** Reads lines up to the lone dot, unstuffing; content keeps its CRLFs. */
    private static byte[] readData(InputStream in) throws IOException {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            byte[] l = line.toByteArray();
            if (b == '\n' && l.length >= 2 && l[l.length - 2] == '\r') {
                if (l.length == 3 && l[0] == '.') {
                    return content.toByteArray();
                }
                int off = l[0] == '.' ? 1 : 0;
                content.write(l, off, l.length - off);
                line.reset();
            }
        }
        throw new IOException("connection closed in DATA");
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
