package io.armadakv.bench.driver;

import com.google.protobuf.ByteString;

/**
 * The operations a workload sends, implemented once per server API, so the same workload code
 * measures Armada and etcd and a difference in the numbers is the server's. Every call is
 * asynchronous; {@code connection} picks one of the driver's gRPC connections.
 */
public interface KvDriver extends AutoCloseable {

    /** "armada" or "etcd", for reports. */
    String system();

    /** Makes the key space usable (Armada: creates the table when missing). */
    void prepare();

    void put(int connection, ByteString key, ByteString value, Callback<Void> callback);

    /** A point read; reports how many keys it found (0 or 1). */
    void get(int connection, ByteString key, boolean linearizable, Callback<Integer> callback);

    /** A range read of [from, to) of at most {@code limit} keys; reports how many came back. */
    void scan(int connection, ByteString from, ByteString to, int limit, boolean linearizable,
              Callback<Integer> callback);

    /** Sets {@code key} to {@code next} if its value is {@code expected}, in one transaction. */
    void compareAndSwap(int connection, ByteString key, ByteString expected, ByteString next,
                        Callback<CasResult> callback);

    /** Reads all of [from, to) the way the server serves large ranges; reports the key count. */
    void iterate(int connection, ByteString from, ByteString to, Callback<Long> callback);

    @Override
    void close();

    static KvDriver open(String system, String addresses, int connections, String table) {
        return switch (system) {
            case "armada" -> new ArmadaDriver(Channels.open(addresses, connections), table);
            case "etcd" -> new EtcdDriver(Channels.open(addresses, connections));
            default -> throw new IllegalArgumentException("unknown driver '" + system + "': armada or etcd");
        };
    }
}
