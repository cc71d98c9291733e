package io.armadakv.node.replication;

import tech.kwik.core.log.BaseLogger;

import java.nio.ByteBuffer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * kwik's mandatory logger, sent to java.util.logging at FINE. kwik logs errors it recovers from
 * (a refused handshake, a packet for an unknown connection) as errors; the replication code
 * reports what matters to an operator itself, so everything from kwik stays at FINE. Packet,
 * secret and hex-dump logging stay off.
 */
public final class KwikLogger extends BaseLogger {

    private final Logger target;

    public KwikLogger(String julLoggerName) {
        this.target = Logger.getLogger(julLoggerName);
        logWarning(true);
        logInfo(true);
    }

    @Override
    protected void log(String message) {
        target.log(Level.FINE, message);
    }

    @Override
    protected void log(String message, Throwable error) {
        target.log(Level.FINE, message, error);
    }

    @Override
    protected void logWithHexDump(String message, byte[] data, int length) {
        target.log(Level.FINE, message);
    }

    @Override
    protected void logWithHexDump(String message, ByteBuffer data, int offset, int length) {
        target.log(Level.FINE, message);
    }
}
