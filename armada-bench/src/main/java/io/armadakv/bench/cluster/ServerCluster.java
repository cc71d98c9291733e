package io.armadakv.bench.cluster;

import java.util.List;

/** A three-member cluster of one system on loopback, started for a comparison run. */
public interface ServerCluster extends AutoCloseable {

    /** "armada" or "etcd": the driver that speaks its API. */
    String system();

    /** Client endpoints, host:port comma-separated, one per member. */
    String endpoints();

    /** A one-line description for the report: version, members, data directory. */
    String describe();

    /** The server processes this bench started, one per member. */
    List<LocalProcess> processes();

    /**
     * CPU time (user and system) its processes have used since they started, in nanoseconds, or
     * -1 when the platform does not report it for one of them.
     */
    default long cpuNanos() {
        long sum = 0;
        for (LocalProcess p : processes()) {
            long n = p.cpuNanos();
            if (n < 0) {
                return -1;
            }
            sum += n;
        }
        return sum;
    }

    @Override
    void close();
}
