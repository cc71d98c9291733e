package io.armadakv.bench.cluster;

/** A three-member cluster of one system on loopback, started for a comparison run. */
public interface ServerCluster extends AutoCloseable {

    /** "armada" or "etcd": the driver that speaks its API. */
    String system();

    /** Client endpoints, host:port comma-separated, one per member. */
    String endpoints();

    /** A one-line description for the report: version, members, data directory. */
    String describe();

    @Override
    void close();
}
