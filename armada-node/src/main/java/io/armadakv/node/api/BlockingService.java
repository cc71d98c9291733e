package io.armadakv.node.api;

/**
 * A service whose handlers wait (for Raft, for a stream's data): the API port runs its calls on a
 * pool of their own ({@link OffloadingInterceptor}), since every other call runs on the event loop.
 */
public interface BlockingService {
}
