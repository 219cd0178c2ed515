package works.cast.relay.server.ops;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.config.HttpConfig;

/**
 * The management HTTP endpoint (HTTP/1.1, RFC 9112) on {@code relay.http}: {@code GET /metrics} (Prometheus text
 * format 0.0.4), {@code /healthz} (200 while the process runs), {@code /readyz} (200, or 503 with one line per
 * failing {@link ReadinessCheck}) and, with {@link #console}, the operator console ({@code /}, {@code /api/status});
 * with {@link #requireToken} everything but the health probes needs the bearer token. Requests are answered on one worker thread, off the event loop, because scrapes
 * and checks may touch the disk.
 *
 * <pre>
 * ManagementServer http = new ManagementServer(config.http(), metrics);
 * http.addCheck(DirectoryWritableCheck.queue(config.queue().dir()));
 * http.start();                        // fails fast when the port is taken
 * int port = http.boundPort();
 * http.stop();
 * </pre>
 */
public final class ManagementServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ManagementServer.class);
    private static final int READ_TIMEOUT_SECONDS = 30;

    private final String address;
    private final int port;
    private final RelayMetrics metrics;
    private final List<ReadinessCheck> checks = new CopyOnWriteArrayList<>();
    private final ChannelGroup connections = new DefaultChannelGroup("http", GlobalEventExecutor.INSTANCE);
    /** The relay's shared (NIO) event loops, used and left running; empty: the server makes and ends its own. */
    private final Optional<EventLoopGroup> shared;
    private EventLoopGroup group;
    private ExecutorService worker;
    private Channel channel;
    private boolean started;
    private Optional<Console> console = Optional.empty();
    private ConsoleAccess access = ConsoleAccess.open();

    /** A server for {@code http.address()} and {@code http.port()} (0 picks a free port); not started. */
    public ManagementServer(HttpConfig http, RelayMetrics metrics) {
        this(http.address(), http.port(), metrics);
    }

    /** Like {@link #ManagementServer(HttpConfig, RelayMetrics)}, on the relay's shared {@code loops} (NIO). */
    public ManagementServer(HttpConfig http, RelayMetrics metrics, EventLoopGroup loops) {
        this(http.address(), http.port(), metrics, Optional.of(loops));
    }

    /** A server on {@code address} (an IP literal) and {@code port}; not started. */
    public ManagementServer(String address, int port, RelayMetrics metrics) {
        this(address, port, metrics, Optional.empty());
    }

    private ManagementServer(String address, int port, RelayMetrics metrics, Optional<EventLoopGroup> shared) {
        this.shared = shared;
        this.address = Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("http port: " + port + " is not in 0..65535");
        }
        this.port = port;
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** Adds a readiness check; allowed before or after {@link #start()}. */
    public ManagementServer addCheck(ReadinessCheck check) {
        checks.add(Objects.requireNonNull(check, "check"));
        return this;
    }

    /** Serves the operator console ({@code /}, {@code /api/status}) from {@code sources}; call before start. */
    public synchronized ManagementServer console(ConsoleSources sources) {
        console = Optional.of(new Console(sources, metrics.history()));
        return this;
    }

    /**
     * Requires {@code Authorization: Bearer <token>} (or the login cookie) for everything but {@code /healthz} and
     * {@code /readyz}; the token is the first line of {@code tokenFile}. Call before start.
     */
    public synchronized ManagementServer requireToken(java.nio.file.Path tokenFile) throws java.io.IOException {
        access = ConsoleAccess.fromFile(tokenFile);
        return this;
    }

    /**
     * Binds and starts serving; returns once bound. When the address cannot be bound (port taken, no such address)
     * it releases its threads and throws {@link IllegalStateException} naming the address and port.
     */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("management http server already started");
        }
        started = true;
        group = shared.orElseGet(() -> new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("relay-http", true), NioIoHandler.newFactory()));
        worker = Executors.newSingleThreadExecutor(new DefaultThreadFactory("relay-http-worker", true));
        HttpHandler handler = new HttpHandler(metrics, checks, worker, console, access);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ChannelPipeline p = ch.pipeline();
                        p.addLast(new ReadTimeoutHandler(READ_TIMEOUT_SECONDS));
                        p.addLast(new HttpServerCodec(4096, 8192, 8192));
                        p.addLast(new HttpServerKeepAliveHandler());
                        p.addLast(new HttpObjectAggregator(64 * 1024));
                        p.addLast(handler);
                    }
                });
        ChannelFuture bound = bootstrap.bind(address, port).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            shutdownGroups();
            Throwable cause = bound.cause();
            throw new IllegalStateException("management http " + address + ":" + port + ": cannot bind: "
                    + cause.getMessage() + " (another process on this port? set relay.http.port or "
                    + "relay.http.enabled = false)", cause);
        }
        channel = bound.channel();
        log.info("http listening address={} endpoints={}/metrics,/healthz,/readyz access={}", channel.localAddress(),
                console.isPresent() ? "/,/api/status," : "", access.required() ? "token" : "open");
    }

    /** The bound address (useful with port 0). */
    public synchronized InetSocketAddress boundAddress() {
        if (channel == null) {
            throw new IllegalStateException("management http server not started");
        }
        return (InetSocketAddress) channel.localAddress();
    }

    /** The bound port (useful with port 0). */
    public int boundPort() {
        return boundAddress().getPort();
    }

    /** The failing checks now, one reason each; empty when ready. */
    public List<String> failingChecks() {
        return HttpHandler.failing(checks);
    }

    /** Stops serving and releases the threads; idempotent. */
    public synchronized void stop() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
            channel = null;
        }
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        shutdownGroups();
    }

    @Override
    public void close() {
        stop();
    }

    private void shutdownGroups() {
        if (group != null && shared.isEmpty()) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        group = null;
        if (worker != null) {
            worker.shutdownNow();
            worker = null;
        }
    }
}
