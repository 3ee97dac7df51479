package io.cairn.server.http;

import io.cairn.server.selfmetrics.SelfMetrics;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code --web.read-timeout} against slow clients (slowloris): the first bytes of a request arm a deadline, the
 * first bytes of its answer disarm it; a request that is not received and answered in time closes the connection.
 * Sits before the HTTP codec, so it also covers a request line and headers that trickle in byte by byte.
 */
final class ReadDeadlineHandler extends ChannelDuplexHandler {
    private final long timeoutNs;
    private final SelfMetrics selfMetrics;
    private ScheduledFuture<?> deadline;

    ReadDeadlineHandler(long timeoutNs, SelfMetrics selfMetrics) {
        this.timeoutNs = timeoutNs;
        this.selfMetrics = selfMetrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (deadline == null) {
            deadline = ctx.executor().schedule(() -> {
                selfMetrics.countLimitRejection("web.read-timeout");
                ctx.close();
            }, timeoutNs, TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        disarm();
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        disarm();
        ctx.fireChannelInactive();
    }

    private void disarm() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
