package works.cast.relay.server.delivery;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import works.cast.relay.server.config.DeliveryConfig;
import works.cast.relay.server.config.OutboundTls;
import works.cast.relay.server.tls.TlsContexts;

/**
 * The event loops and bootstrap of a forwarder's outbound connections (NIO), and the settings derived from the
 * delivery configuration (RFC 3207: a verifying TLS context for {@code required}, a trusting one for
 * {@code opportunistic}, RFC 7435). The loops are the forwarder's own, or the relay's shared outbound group, which
 * the forwarder uses but does not shut down.
 */
final class UpstreamTransport implements AutoCloseable {

    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final boolean owned;

    UpstreamTransport(String name, int threads) {
        this(new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true),
                NioIoHandler.newFactory()), true);
    }

    /** On {@code shared} (NIO) loops that outlive this transport. */
    UpstreamTransport(EventLoopGroup shared) {
        this(shared, false);
    }

    private UpstreamTransport(EventLoopGroup group, boolean owned) {
        this.group = group;
        this.owned = owned;
        this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true);
    }

    EventLoopGroup group() {
        return group;
    }

    Bootstrap bootstrap() {
        return bootstrap;
    }

    /** The client TLS context for a policy: none for {@code NONE}, verifying for {@code REQUIRED}. */
    static Optional<SslContext> tlsContext(OutboundTls policy, Optional<Path> trustStore) throws IOException {
        return switch (policy) {
            case NONE -> Optional.empty();
            case OPPORTUNISTIC -> Optional.of(TlsContexts.client(Optional.empty(), false));
            case REQUIRED -> Optional.of(TlsContexts.client(trustStore, true));
        };
    }

    /** Settings from the delivery configuration. */
    static UpstreamSettings settings(DeliveryConfig config, String heloName, OutboundTls policy,
                                     Optional<Path> trustStore, Optional<UpstreamSettings.Credentials> credentials)
            throws IOException {
        return new UpstreamSettings(heloName, policy, tlsContext(policy, trustStore), credentials, false,
                config.connectTimeout(), config.commandTimeout(), config.dataTimeout());
    }

    @Override
    public void close() {
        if (owned) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
