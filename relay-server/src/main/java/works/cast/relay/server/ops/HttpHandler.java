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
import java.util.Map;
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
    /** No inline script or style, nothing from elsewhere, no framing, no forms (CSP Level 3). */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Logger log = LoggerFactory.getLogger(HttpHandler.class);

    private final RelayMetrics metrics;
    private final List<ReadinessCheck> checks;
    private final Executor worker;
    private final Optional<Console> console;
    private final ConsoleAccess access;

    /** The request line and what the response needs of the request, kept after the request is released. */
    private record Request(HttpMethod method, String path, boolean keepAlive, String authorization, String cookies,
                           Optional<String> token) {
        boolean head() {
            return method.equals(HttpMethod.HEAD);
        }
    }

    /** What to send: status, media type, body and extra header fields. */
    private record Response(HttpResponseStatus status, String type, byte[] body, Map<String, String> headers) {
        static Response text(HttpResponseStatus status, String text) {
            return new Response(status, TEXT_TYPE, text.getBytes(StandardCharsets.UTF_8), Map.of());
        }
    }

    HttpHandler(RelayMetrics metrics, List<ReadinessCheck> checks, Executor worker, Optional<Console> console,
                ConsoleAccess access) {
        this.metrics = metrics;
        this.checks = checks;
        this.worker = worker;
        this.console = console;
        this.access = access;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest full) {
        QueryStringDecoder uri = new QueryStringDecoder(full.uri());
        List<String> token = uri.parameters().get("token");
        Request request = new Request(full.method(), uri.path(), HttpUtil.isKeepAlive(full),
                full.headers().get(HttpHeaderNames.AUTHORIZATION), full.headers().get(HttpHeaderNames.COOKIE),
                token == null || token.isEmpty() ? Optional.empty() : Optional.of(token.get(0)));
        if (!full.decoderResult().isSuccess()) {
            respond(ctx, new Request(request.method(), request.path(), false, null, null, Optional.empty()),
                    Response.text(HttpResponseStatus.BAD_REQUEST, "bad request\n"));
            return;
        }
        try {
            worker.execute(() -> respond(ctx, request, answer(request)));
        } catch (RejectedExecutionException e) {
            ctx.close();
        }
    }

    /** Runs on the worker: scrapes, checks and the console may take a while and touch the disk. */
    private Response answer(Request request) {
        String path = request.path();
        boolean health = path.equals("/healthz") || path.equals("/readyz");
        boolean known = health || path.equals("/metrics") || console.isPresent() && Console.PATHS.contains(path);
        if (!known) {
            return Response.text(HttpResponseStatus.NOT_FOUND, "not found; try "
                    + (console.isPresent() ? "/, /api/status, " : "") + "/metrics, /healthz or /readyz\n");
        }
        if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
            return Response.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
        }
        if (!health && !access.allows(request.authorization(), request.cookies())) {
            if (path.equals("/") && request.token().isPresent() && access.matches(request.token().get())) {
                // the login: a cookie for later requests, and the token out of the address bar and history
                return new Response(HttpResponseStatus.SEE_OTHER, TEXT_TYPE, "logged in\n".getBytes(
                        StandardCharsets.UTF_8), Map.of("Location", "/", "Set-Cookie", access.setCookie()));
            }
            log.debug("http unauthorized path={}", path);
            return new Response(HttpResponseStatus.UNAUTHORIZED, TEXT_TYPE, ("unauthorized: send Authorization: "
                    + "Bearer <token of relay.http.token-file>, or open /?token=<token> once\n")
                    .getBytes(StandardCharsets.UTF_8), Map.of("WWW-Authenticate", "Bearer realm=\"dkim-relay\""));
        }
        switch (path) {
            case "/metrics" -> {
                try {
                    return new Response(HttpResponseStatus.OK, METRICS_TYPE,
                            metrics.scrape().getBytes(StandardCharsets.UTF_8), Map.of());
                } catch (RuntimeException e) {
                    log.warn("http metrics scrape failed: {}", e.toString());
                    return Response.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed: " + e + "\n");
                }
            }
            case "/healthz" -> {
                return Response.text(HttpResponseStatus.OK, "ok\n");
            }
            case "/readyz" -> {
                List<String> failing = failing(checks);
                if (failing.isEmpty()) {
                    return Response.text(HttpResponseStatus.OK, "ready\n");
                }
                log.debug("http readyz not-ready reasons={}", failing);
                return Response.text(HttpResponseStatus.SERVICE_UNAVAILABLE, String.join("\n", failing) + "\n");
            }
            default -> {
                try {
                    Console.Body body = console.orElseThrow().get(path, () -> failing(checks));
                    return new Response(HttpResponseStatus.OK, body.type(), body.bytes(), Map.of());
                } catch (RuntimeException e) {
                    log.warn("http console path={} failed: {}", path, e.toString());
                    return Response.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "console failed: " + e + "\n");
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

    private static void respond(ChannelHandlerContext ctx, Request request, Response r) {
        ByteBuf content = request.head() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body());
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(), content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, r.type());
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        response.headers().set("X-Content-Type-Options", "nosniff");
        response.headers().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        response.headers().set("Referrer-Policy", "no-referrer");
        r.headers().forEach((name, value) -> response.headers().set(name, value));
        if (r.status().equals(HttpResponseStatus.METHOD_NOT_ALLOWED)) {
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        }
        HttpUtil.setContentLength(response, r.body().length);
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
