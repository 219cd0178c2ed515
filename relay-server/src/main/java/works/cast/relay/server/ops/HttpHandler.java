package works.cast.relay.server.ops;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the management requests (RFC 9110 GET and HEAD) of {@link ManagementServer}: routes, status codes and
 * bodies, computed on the worker thread and written back to the channel; the pipeline before it does the HTTP/1.1
 * framing and keep-alive.
 */
@ChannelHandler.Sharable
final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    static final String METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String TEXT_TYPE = "text/plain; charset=utf-8";
    private static final Logger log = LoggerFactory.getLogger(HttpHandler.class);

    private final RelayMetrics metrics;
    private final List<ReadinessCheck> checks;
    private final Executor worker;

    /** The request line and what the response needs of the request, kept after the request is released. */
    private record Request(HttpMethod method, String path, boolean keepAlive) {
        boolean head() {
            return method.equals(HttpMethod.HEAD);
        }
    }

    HttpHandler(RelayMetrics metrics, List<ReadinessCheck> checks, Executor worker) {
        this.metrics = metrics;
        this.checks = checks;
        this.worker = worker;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest full) {
        Request request = new Request(full.method(), new QueryStringDecoder(full.uri()).path(),
                HttpUtil.isKeepAlive(full));
        if (!full.decoderResult().isSuccess()) {
            respond(ctx, new Request(request.method(), request.path(), false), HttpResponseStatus.BAD_REQUEST,
                    TEXT_TYPE, "bad request\n");
            return;
        }
        try {
            worker.execute(() -> answer(ctx, request));
        } catch (RejectedExecutionException e) {
            ctx.close();
        }
    }

    /** Runs on the worker: scrapes and checks may take a while and touch the disk. */
    private void answer(ChannelHandlerContext ctx, Request request) {
        HttpMethod method = request.method();
        String path = request.path();
        boolean known = path.equals("/metrics") || path.equals("/healthz") || path.equals("/readyz");
        if (!known) {
            respond(ctx, request, HttpResponseStatus.NOT_FOUND, TEXT_TYPE,
                    "not found; try /metrics, /healthz or /readyz\n");
            return;
        }
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            respond(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT_TYPE, "method not allowed\n");
            return;
        }
        switch (path) {
            case "/metrics" -> {
                String body;
                try {
                    body = metrics.scrape();
                } catch (RuntimeException e) {
                    log.warn("http metrics scrape failed: {}", e.toString());
                    respond(ctx, request, HttpResponseStatus.INTERNAL_SERVER_ERROR, TEXT_TYPE,
                            "scrape failed: " + e + "\n");
                    return;
                }
                respond(ctx, request, HttpResponseStatus.OK, METRICS_TYPE, body);
            }
            case "/healthz" -> respond(ctx, request, HttpResponseStatus.OK, TEXT_TYPE, "ok\n");
            default -> {
                List<String> failing = failing(checks);
                if (failing.isEmpty()) {
                    respond(ctx, request, HttpResponseStatus.OK, TEXT_TYPE, "ready\n");
                } else {
                    log.debug("http readyz not-ready reasons={}", failing);
                    respond(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, TEXT_TYPE,
                            String.join("\n", failing) + "\n");
                }
            }
        }
    }

    /** Runs every check; a check that throws counts as failing with the exception as its reason. */
    static List<String> failing(List<ReadinessCheck> checks) {
        List<String> reasons = new ArrayList<>();
        for (ReadinessCheck c : checks) {
            Optional<String> r;
            try {
                r = c.check();
            } catch (RuntimeException e) {
                r = Optional.of("readiness check failed: " + e);
            }
            if (r != null && r.isPresent()) {
                reasons.add(r.get().replace('\n', ' ').replace('\r', ' '));
            }
        }
        return reasons;
    }

    private static void respond(ChannelHandlerContext ctx, Request request, HttpResponseStatus status, String type,
                                String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ByteBuf content = request.head() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (status.equals(HttpResponseStatus.METHOD_NOT_ALLOWED)) {
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        }
        HttpUtil.setContentLength(response, bytes.length);
        if (request.keepAlive()) {
            ctx.writeAndFlush(response);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof ReadTimeoutException)) {
            log.debug("http connection error remote={}: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }
}
