package io.armadakv.node.table;

import io.armadakv.node.storage.StoreException;
import io.armadakv.proto.internal.RelayError;
import io.armadakv.proto.internal.RelayOutcome;

/**
 * A relayed write's outcome on the wire and back: the sender answers its client exactly as the
 * leader would have, so each failure travels as the kind of exception the API layer maps.
 */
final class RelayOutcomes {

    private RelayOutcomes() {
    }

    static RelayOutcome encode(ProposalBatcher.Outcome outcome) {
        if (outcome.error() == null) {
            return RelayOutcome.newBuilder().setResult(outcome.result()).build();
        }
        RuntimeException e = outcome.error();
        RelayError.Kind kind = switch (e) {
            case TableUnavailableException ignored -> RelayError.Kind.UNAVAILABLE;
            case WritesOverloadedException ignored -> RelayError.Kind.OVERLOADED;
            case InvalidCommandException ignored -> RelayError.Kind.INVALID;
            case StoreException ignored -> RelayError.Kind.STORE;
            default -> RelayError.Kind.INTERNAL;
        };
        return RelayOutcome.newBuilder().setError(RelayError.newBuilder().setKind(kind)
                .setMessage(String.valueOf(e.getMessage()))).build();
    }

    static ProposalBatcher.Outcome decode(RelayOutcome outcome) {
        if (outcome.hasResult()) {
            return ProposalBatcher.Outcome.of(outcome.getResult());
        }
        String message = outcome.getError().getMessage();
        RuntimeException e = switch (outcome.getError().getKind()) {
            case UNAVAILABLE -> new TableUnavailableException(message, null);
            case OVERLOADED -> new WritesOverloadedException(message);
            case INVALID -> new InvalidCommandException(message);
            case STORE -> new StoreException(message);
            case INTERNAL, UNRECOGNIZED -> new IllegalStateException(message);
        };
        return ProposalBatcher.Outcome.failed(e);
    }
}
