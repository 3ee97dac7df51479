package io.cairn.server.auth;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BasicAuthHandlerTest {
    /** alice/alice123, bcrypt cost 4. */
    private static final Map<String, String> USERS =
            Map.of("alice", "$2y$04$i1bwz0FGLdC4FcsH.zy0Ku9oIY5qI7NX3Fb6ZuqjqBbMCm5.dGZwi");

    static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpRequest request(HttpMethod method, String authorization) {
        final HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/metrics");
        if (authorization != null) {
            r.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        return r;
    }

    private static void assertUnauthorized(Object msg) {
        final FullHttpResponse response = (FullHttpResponse) msg;
        try {
            assertEquals(HttpResponseStatus.UNAUTHORIZED, response.status());
            assertEquals("Basic", response.headers().get(HttpHeaderNames.WWW_AUTHENTICATE));
            assertEquals("Unauthorized\n", response.content().toString(StandardCharsets.UTF_8));
            assertEquals("text/plain; charset=utf-8", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
        } finally {
            response.release();
        }
    }

    @Test
    void shouldAcceptOnlyTheRightPassword() {
        final BasicAuthHandler.Credentials c = new BasicAuthHandler.Credentials(USERS);
        final String[][] rows = {
            {"Basic YWxpY2U6YWxpY2UxMjM=", "true"},
            {"basic YWxpY2U6YWxpY2UxMjM=", "true"}, // Go compares the scheme case-insensitively
            {basic("alice:alice1234"), "false"},
            {basic("alice:"), "false"},
            {basic("bob:alice123"), "false"},
            {basic("alice"), "false"}, // no colon
            {"Basic YWxpY2U6YWxpY2UxMjM", "false"}, // Go's StdEncoding wants the padding
            {"Basic !!!!", "false"},
            {"Bearer YWxpY2U6YWxpY2UxMjM=", "false"},
            {"Basic", "false"},
            {"", "false"},
        };
        for (int pass = 0; pass < 2; pass++) { // the second pass answers from the cache
            for (String[] row : rows) {
                assertEquals(Boolean.parseBoolean(row[1]), c.authorized(row[0]), row[0]);
            }
        }
        assertFalse(c.authorized(null));
    }

    @Test
    void shouldNeverLetACachedSuccessAdmitAnotherPassword() {
        final BasicAuthHandler.Credentials c = new BasicAuthHandler.Credentials(USERS);
        assertTrue(c.authorized(basic("alice:alice123")));
        assertFalse(c.authorized(basic("alice:wrong")));
        assertTrue(c.authorized(basic("alice:alice123")));
        assertEquals(2, c.cacheSize());
    }

    @Test
    void shouldBoundTheCache() {
        final BasicAuthHandler.Credentials c = new BasicAuthHandler.Credentials(USERS);
        for (int i = 0; i < 3 * BasicAuthHandler.Credentials.CACHE_SIZE; i++) {
            assertFalse(c.authorized(basic("alice:" + i))); // a known user: bcrypt at cost 4, not the fake cost 10
            assertTrue(c.cacheSize() <= BasicAuthHandler.Credentials.CACHE_SIZE);
        }
    }

    @Test
    void shouldAnswer401AndReleaseTheBody() {
        final EmbeddedChannel ch = new EmbeddedChannel(
                new BasicAuthHandler(new BasicAuthHandler.Credentials(USERS, Runnable::run)));
        final ByteBuf part = Unpooled.copiedBuffer("a 1\n", StandardCharsets.UTF_8);
        final ByteBuf last = Unpooled.copiedBuffer("b 2\n", StandardCharsets.UTF_8);
        assertFalse(ch.writeInbound(request(HttpMethod.POST, basic("alice:nope"))));
        assertFalse(ch.writeInbound(new DefaultHttpContent(part)));
        assertFalse(ch.writeInbound(new DefaultLastHttpContent(last)));
        assertEquals(0, part.refCnt());
        assertEquals(0, last.refCnt());
        assertUnauthorized(ch.readOutbound());
        assertNull(ch.readOutbound());
        assertTrue(ch.isOpen()); // keep-alive: the next request may come
        assertFalse(ch.finish());
    }

    @Test
    void shouldPassAnAuthorizedRequestOnUntouched() {
        final EmbeddedChannel ch = new EmbeddedChannel(
                new BasicAuthHandler(new BasicAuthHandler.Credentials(USERS, Runnable::run)));
        final HttpRequest request = request(HttpMethod.PUT, basic("alice:alice123"));
        final HttpContent body = new DefaultLastHttpContent(Unpooled.copiedBuffer("a 1\n", StandardCharsets.UTF_8));
        assertTrue(ch.writeInbound(request));
        assertTrue(ch.writeInbound(body));
        assertSame(request, ch.readInbound());
        final HttpContent passed = ch.readInbound();
        assertSame(body, passed);
        passed.release();
        assertNull(ch.readOutbound());
        assertFalse(ch.finish());
    }

    @Test
    void shouldHoldA401BehindTheResponseOfAnEarlierRequest() {
        final EmbeddedChannel ch = new EmbeddedChannel(
                new BasicAuthHandler(new BasicAuthHandler.Credentials(USERS, Runnable::run)));
        ch.writeInbound(request(HttpMethod.GET, basic("alice:alice123")), LastHttpContent.EMPTY_LAST_CONTENT);
        ch.writeInbound(request(HttpMethod.GET, null), LastHttpContent.EMPTY_LAST_CONTENT);
        final HttpRequest third = request(HttpMethod.GET, basic("alice:alice123"));
        ch.writeInbound(third, LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals("/metrics", ((HttpRequest) ch.readInbound()).uri());
        assertSame(LastHttpContent.EMPTY_LAST_CONTENT, ch.readInbound());
        assertNull(ch.readInbound()); // the third waits behind the 401
        assertNull(ch.readOutbound()); // the 401 waits for the first response

        final FullHttpResponse first = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        ch.writeOutbound(first);
        assertSame(first, ch.readOutbound());
        assertUnauthorized(ch.readOutbound());
        assertSame(third, ch.readInbound());
        assertSame(LastHttpContent.EMPTY_LAST_CONTENT, ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void shouldCloseAfterA401WhenTheClientWaitsFor100Continue() {
        final EmbeddedChannel ch = new EmbeddedChannel(
                new BasicAuthHandler(new BasicAuthHandler.Credentials(USERS, Runnable::run)));
        final HttpRequest r = request(HttpMethod.PUT, null);
        r.headers().set(HttpHeaderNames.EXPECT, "100-continue").set(HttpHeaderNames.CONTENT_LENGTH, "4");
        final ByteBuf late = Unpooled.copiedBuffer("a 1\n", StandardCharsets.UTF_8);
        ch.writeInbound(r, new DefaultLastHttpContent(late), request(HttpMethod.GET, basic("alice:alice123")));
        final FullHttpResponse response = ch.readOutbound();
        assertEquals("close", response.headers().get(HttpHeaderNames.CONNECTION));
        assertUnauthorized(response);
        assertFalse(ch.isOpen());
        assertEquals(0, late.refCnt());
        assertNull(ch.readInbound()); // nothing after the closing 401 reaches the gateway
        assertFalse(ch.finish());
    }

    @Test
    void shouldRunBcryptOffTheEventLoopAndKeepWhatArrivesMeanwhileInOrder() {
        final ArrayDeque<Runnable> checks = new ArrayDeque<>();
        final EmbeddedChannel ch = new EmbeddedChannel(
                new BasicAuthHandler(new BasicAuthHandler.Credentials(USERS, checks::add)));
        final ByteBuf wrongBody = Unpooled.copiedBuffer("a 1\n", StandardCharsets.UTF_8);
        final HttpRequest second = request(HttpMethod.GET, basic("alice:alice123"));
        ch.writeInbound(request(HttpMethod.PUT, basic("alice:wrong")), new DefaultLastHttpContent(wrongBody),
                second, LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(1, checks.size()); // the first check is running; nothing else was looked at
        assertFalse(ch.config().isAutoRead());
        assertNull(ch.readOutbound());
        assertNull(ch.readInbound());
        assertEquals(1, wrongBody.refCnt());

        checks.poll().run();
        assertUnauthorized(ch.readOutbound());
        assertEquals(0, wrongBody.refCnt());
        assertEquals(1, checks.size()); // the right password is not cached yet: a second check
        assertFalse(ch.config().isAutoRead());
        assertNull(ch.readInbound());

        checks.poll().run();
        assertTrue(ch.config().isAutoRead());
        assertSame(second, ch.readInbound());
        assertSame(LastHttpContent.EMPTY_LAST_CONTENT, ch.readInbound());

        ch.writeInbound(request(HttpMethod.GET, basic("alice:alice123")), LastHttpContent.EMPTY_LAST_CONTENT);
        assertTrue(checks.isEmpty()); // cached: answered on the event loop
        assertEquals("/metrics", ((HttpRequest) ch.readInbound()).uri());
        assertSame(LastHttpContent.EMPTY_LAST_CONTENT, ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void shouldReleaseWhatWaitsForACheckWhenTheConnectionCloses() {
        final ArrayDeque<Runnable> checks = new ArrayDeque<>();
        final EmbeddedChannel ch = new EmbeddedChannel(
                new BasicAuthHandler(new BasicAuthHandler.Credentials(USERS, checks::add)));
        final ByteBuf body = Unpooled.copiedBuffer("a 1\n", StandardCharsets.UTF_8);
        final DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT,
                "/metrics/job/a", body);
        request.headers().set(HttpHeaderNames.AUTHORIZATION, basic("alice:alice123"));
        final ByteBuf next = Unpooled.copiedBuffer("b 2\n", StandardCharsets.UTF_8);
        ch.writeInbound(request, new DefaultLastHttpContent(next));
        ch.close();
        checks.poll().run(); // the check ends after the close
        assertEquals(0, body.refCnt());
        assertEquals(0, next.refCnt());
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }
}
