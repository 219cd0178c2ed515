package works.cast.relay.server.smtp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SMTP submission server (RFC 5321, RFC 6409): binds the configured listeners on Netty (epoll when available,
 * NIO otherwise) and runs one {@link SmtpSessionHandler} per connection.
 *
 * <pre>
 * SmtpServer server = new SmtpServer(settings, receiver, authenticator);
 * server.start();                      // returns once every listener is bound
 * int port = server.boundPorts().get(0);
 * server.stop(Duration.ofSeconds(30)); // stop accepting, let sessions finish, close
 * </pre>
 */
public final class SmtpServer {

    private static final Logger log = LoggerFactory.getLogger(SmtpServer.class);

    /** Replies queued for one client beyond which it is not read (the handler pauses until below 32 KiB). */
    static final WriteBufferWaterMark REPLY_BUFFER = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    private final SmtpServerSettings settings;
    private final SmtpServerContext shared;
    private final ChannelGroup connections = new DefaultChannelGroup("smtp", GlobalEventExecutor.INSTANCE);
    private final List<Channel> serverChannels = new ArrayList<>();
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private boolean started;
    private volatile boolean stopped;

    public SmtpServer(SmtpServerSettings settings, MessageReceiver receiver, Authenticator authenticator) {
        this(settings, receiver, authenticator, SessionEvents.NONE);
    }

    public SmtpServer(SmtpServerSettings settings, MessageReceiver receiver, Authenticator authenticator,
                      SessionEvents events) {
        this(settings, receiver, authenticator, events, SenderGate.OPEN);
    }

    /** @param senderGate asked at every MAIL; {@link SenderGate#OPEN} skips the step */
    public SmtpServer(SmtpServerSettings settings, MessageReceiver receiver, Authenticator authenticator,
                      SessionEvents events, SenderGate senderGate) {
        this.settings = Objects.requireNonNull(settings, "settings");
        SmtpServerSettings.Limits limits = settings.limits();
        this.shared = new SmtpServerContext(receiver, authenticator, new AtomicReference<>(settings),
                new ConnectionLimiter(limits.connections(), limits.connectionsPerIp()),
                new AuthFailureTracker(limits.authFailures(), limits.authFailureWindow(), Clock.systemUTC()),
                new AuthTurns(), new java.util.concurrent.atomic.AtomicBoolean(), events, senderGate);
    }

    /**
     * Binds every listener; returns when all are bound. A listener that cannot bind closes the others and throws
     * {@link IllegalStateException} naming its address and port.
     */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("smtp server already started");
        }
        started = true;
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("smtp-accept"), io);
        workerGroup = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("smtp-session"), io);
        for (SmtpServerSettings.Listener listener : settings.listeners()) {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(bossGroup, workerGroup)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 256)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // Past 64 KiB of replies the client does not read, the session stops reading its commands.
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, REPLY_BUFFER)
                    .childHandler(new SmtpServerInitializer(listener.tls(), shared, connections));
            String name = listener.address() + ":" + listener.port();
            ChannelFuture bound = bootstrap.bind(listener.address(), listener.port()).awaitUninterruptibly();
            if (!bound.isSuccess()) {
                for (Channel ch : serverChannels) {
                    ch.close().awaitUninterruptibly();
                }
                shutdownGroups();
                throw new IllegalStateException("smtp listener " + name + ": cannot bind: "
                        + bound.cause().getMessage(), bound.cause());
            }
            Channel ch = bound.channel();
            serverChannels.add(ch);
            log.info("smtp listening address={} tls={} transport={}", ch.localAddress(), listener.tls(),
                    epoll ? "epoll" : "nio");
        }
        long sweep = shared.authFailures().sweepInterval().toNanos();
        bossGroup.scheduleAtFixedRate(shared.authFailures()::sweep, sweep, sweep, TimeUnit.NANOSECONDS);
    }

    /** The bound local addresses, in the order of {@link SmtpServerSettings#listeners()}. */
    public synchronized List<InetSocketAddress> boundAddresses() {
        return serverChannels.stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
    }

    /** The bound ports, in the order of the listeners (useful with port 0). */
    public List<Integer> boundPorts() {
        return boundAddresses().stream().map(InetSocketAddress::getPort).toList();
    }

    /**
     * Replaces what may change while running: the networks allowed without AUTH and the TLS certificate. Sessions
     * already open keep what they started with; new connections (and STARTTLS from now on) get the new values.
     */
    public void update(NetworkAcl allowedNetworks, Optional<SslContext> sslContext) {
        shared.live().updateAndGet(s -> s.withLiveSettings(allowedNetworks, sslContext));
        log.info("smtp settings updated networks={} tls={}", allowedNetworks.networks().size(), sslContext.isPresent());
    }

    /** The TLS context in use now. */
    public Optional<SslContext> sslContext() {
        return shared.sslContext();
    }

    /** True once {@link #stop} began. */
    public boolean isStopped() {
        return stopped;
    }

    /** Open client connections. */
    public int openConnections() {
        return connections.size();
    }

    /**
     * Drains, then stops: for up to {@code drain}, new connections and new transactions (MAIL) get
     * {@code 421 4.3.2} while messages already under way finish; then the listeners close, the remaining sessions get
     * {@code 421 4.3.2}, and the event loops are released.
     */
    public synchronized void stop(Duration drain) {
        if (!started || stopped) {
            return;
        }
        stopped = true;
        shared.draining().set(true);
        log.info("smtp draining sessions={} timeout={}", connections.size(), drain);
        long deadline = System.nanoTime() + drain.toNanos();
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(Math.min(50, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Channel ch : serverChannels) {
            ch.close().syncUninterruptibly();
        }
        if (!connections.isEmpty()) {
            log.info("smtp stop closing-sessions={}", connections.size());
            for (Channel ch : connections) {
                ch.eventLoop().execute(() -> {
                    SmtpSessionHandler handler = ch.pipeline().get(SmtpSessionHandler.class);
                    if (handler != null) {
                        handler.closeWith(Replies.shuttingDown());
                    } else {
                        ch.close();
                    }
                });
            }
            connections.newCloseFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        shutdownGroups();
        log.info("smtp stopped");
    }

    private void shutdownGroups() {
        serverChannels.clear();
        if (workerGroup != null) {
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
