package io.armadakv.node.table;

import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.ReadIndexException;
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.apache.ratis.protocol.exceptions.ServerNotReadyException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Sorts Ratis failures into what a client can retry and what it cannot. */
final class RaftErrors {

    private RaftErrors() {
    }

    static RuntimeException map(String table, Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof StateMachineException sme && sme.getCause() != null) {
            Throwable cause = unwrap(sme.getCause());
            if (cause instanceof RuntimeException re) {
                return re;
            }
            return new IllegalStateException("table " + table + ": " + cause.getMessage(), cause);
        }
        if (e instanceof InvalidCommandException || e instanceof DivergenceException) {
            return (RuntimeException) e;
        }
        if (e instanceof NotLeaderException || e instanceof LeaderNotReadyException
                || e instanceof LeaderSteppingDownException || e instanceof ServerNotReadyException
                || e instanceof AlreadyClosedException || e instanceof TimeoutIOException
                || e instanceof ResourceUnavailableException || e instanceof GroupMismatchException
                || e instanceof ReadIndexException || e instanceof java.io.IOException) {
            return new TableUnavailableException("table " + table + ": " + e.getMessage(), e);
        }
        if (e instanceof RuntimeException re) {
            return re;
        }
        return new IllegalStateException("table " + table + ": " + e.getMessage(), e);
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
