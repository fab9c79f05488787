package io.stoq.net.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.frame.Frame;
import io.stoq.net.frame.FrameType;
import io.stoq.net.frame.Payloads;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Waits (on the event loop, holding no worker) for a request stream's first frame, which must be
 * a REQUEST for a registered message type within the request timeout, then hands the exchange to
 * a worker and steps out of the pipeline. Every other case ends the stream with an ERROR:
 * malformed or unknown REQUEST, another frame first, no handler, no worker free, or silence.
 */
final class RequestStart extends ChannelInboundHandlerAdapter {
    private final PeerSession session;
    private final StreamIo io;
    private ScheduledFuture<?> timeout;
    private boolean started;

    RequestStart(PeerSession session, StreamIo io) {
        this.session = session;
        this.io = io;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long millis = session.context().config().requestTimeout().toMillis();
        timeout = ctx.executor().schedule(() -> {
            if (!started) {
                io.fail(NetErrorCode.TIMEOUT, "no REQUEST within " + millis + " ms of opening the stream");
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        timeout.cancel(false);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timeout.cancel(false);
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (started || !(msg instanceof Frame frame)) {
            ctx.fireChannelRead(msg); // a FrameViolation: StreamIo answers it
            return;
        }
        started = true;
        ctx.pipeline().remove(this);
        try {
            if (frame.type() != FrameType.REQUEST) {
                io.fail(NetErrorCode.PROTOCOL_VIOLATION, "a request stream must start with a REQUEST frame, not " + frame.type());
                return;
            }
            Payloads.Head head = Payloads.parseRequest(frame);
            TransportContext.Registration registration = session.context().handlers().get(head.messageType());
            if (registration == null) {
                io.fail(NetErrorCode.UNKNOWN_MESSAGE, String.format("no handler for message type 0x%04x", head.messageType()));
                return;
            }
            try {
                session.context().workers().execute(new ServerExchange(session, io, registration, head));
            } catch (RejectedExecutionException e) {
                io.fail(NetErrorCode.BUSY, "every worker is busy; retry later");
            }
        } catch (NetException e) {
            io.fail(e.code(), e.getMessage());
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }
}
