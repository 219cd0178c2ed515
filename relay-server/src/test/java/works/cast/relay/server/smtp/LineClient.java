package works.cast.relay.server.smtp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A raw SMTP client over a plain socket, for tests that must control every byte. */
final class LineClient implements AutoCloseable {

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    LineClient(String bindAddress, int port) throws IOException {
        socket = new Socket();
        socket.setSoTimeout(10_000);
        if (bindAddress != null) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), 0));
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    LineClient(int port) throws IOException {
        this(null, port);
    }

    /** Reads one full reply (all its lines); returns "EOF" when the server closed the connection. */
    String reply() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            String line = line();
            if (line == null) {
                return sb.length() == 0 ? "EOF" : sb.toString();
            }
            sb.append(line).append('\n');
            if (line.length() < 4 || line.charAt(3) == ' ') {
                return sb.toString();
            }
        }
    }

    /** Sends {@code text} if the server still listens; true when the server then closes without a reply. */
    boolean closesOn(String text) throws IOException {
        try {
            raw(text);
        } catch (java.net.SocketException e) {
            return true; // closed (reset) before the write
        }
        return "EOF".equals(reply());
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = read()) != -1) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.UTF_8);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
    }

    /** One byte, or -1 at the end of the stream; a reset by the server is an end of the stream too. */
    private int read() throws IOException {
        try {
            return in.read();
        } catch (java.net.SocketException e) {
            if (String.valueOf(e.getMessage()).contains("reset")) {
                return -1;
            }
            throw e;
        }
    }

    void raw(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    String command(String line) throws IOException {
        raw(line + "\r\n");
        return reply();
    }

    /** Starts TLS on the connection after a 220 to STARTTLS, trusting any certificate. */
    void startTls() throws Exception {
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        SSLSocket tls = (SSLSocket) ssl.getSocketFactory().createSocket(socket, "127.0.0.1", socket.getPort(), true);
        tls.setUseClientMode(true);
        tls.startHandshake();
        socket = tls;
        in = tls.getInputStream();
        out = tls.getOutputStream();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
