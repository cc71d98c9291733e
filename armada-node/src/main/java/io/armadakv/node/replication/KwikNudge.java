package io.armadakv.node.replication;

import tech.kwik.core.QuicConnection;
import tech.kwik.core.QuicStream;
import tech.kwik.core.common.EncryptionLevel;
import tech.kwik.core.impl.QuicConnectionImpl;
import tech.kwik.core.stream.FlowControlUpdateListener;

import java.io.OutputStream;

/**
 * Repairs a stream whose written data kwik 0.10.8 stranded (see {@link QuicServer}): asks the
 * stream to schedule a send, as kwik itself does when flow control opens, and wakes the sender.
 * Harmless when nothing is stranded. Both steps use kwik classes outside its API, so with another
 * kwik the nudge quietly does nothing.
 */
public final class KwikNudge {

    private KwikNudge() {
    }

    /** The nudge for {@code stream}, whose output is {@code out}. */
    public static Runnable of(QuicConnection connection, QuicStream stream, OutputStream out) {
        if (out instanceof FlowControlUpdateListener streamSender && connection instanceof QuicConnectionImpl sender) {
            return () -> {
                streamSender.streamNotBlocked(stream.getStreamId());
                sender.send(maxSize -> null, 1, EncryptionLevel.App, lost -> { }, true);
            };
        }
        return () -> { };
    }
}
