package works.cast.relay.server.smtp;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.ssl.SslHandler;

/**
 * Builds the pipeline of one accepted SMTP connection: optional PROXY header decoder, implicit TLS
 * (RFC 8314 section 3.3), the command/DATA decoder and the session handler.
 */
final class SmtpServerInitializer extends ChannelInitializer<SocketChannel> {

    private final SmtpServerSettings.TlsMode tlsMode;
    private final SmtpServerContext shared;
    private final ChannelGroup connections;

    SmtpServerInitializer(SmtpServerSettings.TlsMode tlsMode, SmtpServerContext shared, ChannelGroup connections) {
        this.tlsMode = tlsMode;
        this.shared = shared;
        this.connections = connections;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        connections.add(ch);
        SmtpServerSettings settings = shared.settings();
        ChannelPipeline p = ch.pipeline();
        if (settings.proxyProtocol()) {
            p.addLast("proxy", new HAProxyMessageDecoder());
        }
        if (tlsMode == SmtpServerSettings.TlsMode.IMPLICIT) {
            p.addLast("tls", new SslHandler(shared.sslContext().orElseThrow().newEngine(ch.alloc())));
        }
        p.addLast("smtp-decoder", new SmtpCommandDecoder());
        p.addLast("smtp-session", new SmtpSessionHandler(settings, tlsMode, shared));
    }
}
