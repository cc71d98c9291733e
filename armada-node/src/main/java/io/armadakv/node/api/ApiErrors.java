package io.armadakv.node.api;

import io.armadakv.node.storage.CompactedRevisionException;
import io.armadakv.node.storage.FutureRevisionException;
import io.armadakv.node.storage.StoreException;
import io.armadakv.node.table.InvalidCommandException;
import io.armadakv.node.table.TableExistsException;
import io.armadakv.node.table.TableNotFoundException;
import io.armadakv.node.table.TableUnavailableException;
import io.armadakv.node.table.WritesOverloadedException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The gRPC status a client gets for each failure (API.md section 4.8). */
final class ApiErrors {

    private static final Logger LOG = Logger.getLogger(ApiErrors.class.getName());

    private ApiErrors() {
    }

    static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException failedPrecondition(String message) {
        return Status.FAILED_PRECONDITION.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException tableNotFound() {
        return Status.NOT_FOUND.withDescription("table not found").asRuntimeException();
    }

    static StatusRuntimeException toStatus(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return switch (e) {
            case StatusRuntimeException s -> s;
            case TableNotFoundException ignored -> tableNotFound();
            case TableExistsException ignored -> invalid("table already exists");
            case CompactedRevisionException c -> Status.OUT_OF_RANGE.withDescription(c.getMessage()).asRuntimeException();
            case FutureRevisionException f -> Status.OUT_OF_RANGE.withDescription(f.getMessage()).asRuntimeException();
            case WritesOverloadedException o -> Status.RESOURCE_EXHAUSTED.withDescription(o.getMessage()).asRuntimeException();
            case TableUnavailableException u -> Status.UNAVAILABLE.withDescription(u.getMessage()).asRuntimeException();
            case InvalidCommandException i -> invalid(i.getMessage());
            case StoreException s -> failedPrecondition(s.getMessage());
            case TimeoutException t -> Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded").asRuntimeException();
            case CancellationException c -> Status.CANCELLED.withDescription("cancelled").asRuntimeException();
            case IllegalArgumentException i -> invalid(i.getMessage());
            default -> {
                LOG.log(Level.WARNING, "request failed unexpectedly", e);
                yield Status.INTERNAL.withDescription(String.valueOf(e.getMessage())).asRuntimeException();
            }
        };
    }
}
