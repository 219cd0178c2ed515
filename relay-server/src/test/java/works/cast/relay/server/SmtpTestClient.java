package works.cast.relay.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal SMTP client over a raw socket for tests that need control of every byte (pipelining, smuggling
 * payloads, numbered messages under load). Replies are read whole; multi-line replies return their last line.
 */
public final class SmtpTestClient implements AutoCloseable {

    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;

    public SmtpTestClient(int port) throws IOException {
        this(port, "127.0.0.1");
    }

    /** Connects from the given local loopback address (for example 127.0.0.3, to tell clients apart). */
    public SmtpTestClient(int port, String localAddress) throws IOException {
        socket = new Socket();
        socket.bind(new java.net.InetSocketAddress(localAddress, 0));
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(60_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        out = socket.getOutputStream();
    }

    /** Writes text as is (include the CRLFs). */
    public SmtpTestClient write(String text) throws IOException {
        return write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public SmtpTestClient write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** The next reply's last line. */
    public String reply() throws IOException {
        return readReply(in);
    }

    /** Greeting, EHLO; returns the greeting line. */
    public String hello() throws IOException {
        String greeting = reply();
        if (greeting.startsWith("220")) {
            write("EHLO client.test\r\n");
            reply();
        }
        return greeting;
    }

    /**
     * One message with pipelined MAIL, RCPT and DATA; returns the reply to the end of data, or the first refusal.
     *
     * @param content the message, without the final ".CRLF" (it is added), already dot-stuffed
     */
    public String send(String from, String to, String content) throws IOException {
        write("MAIL FROM:<" + from + ">\r\nRCPT TO:<" + to + ">\r\nDATA\r\n");
        String mail = reply();
        if (mail.startsWith("421")) {
            return mail; // the server closes the connection
        }
        String rcpt = reply();
        String data = reply();
        if (!data.startsWith("354")) {
            return !mail.startsWith("250") ? mail : !rcpt.startsWith("250") ? rcpt : data;
        }
        write(content + ".\r\n");
        return reply();
    }

    /** Reads one (possibly multi-line) reply and returns its last line; fails when the connection closes first. */
    public static String readReply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed without a reply");
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
