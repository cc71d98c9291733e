package io.armadakv.bench.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/** etcd members on loopback, each with its data directory under one parent on the same disk. */
public final class EtcdCluster implements ServerCluster {

    private final List<LocalProcess> members;
    private final List<String> clientAddresses;
    private final String description;

    private EtcdCluster(List<LocalProcess> members, List<String> clientAddresses, String description) {
        this.members = members;
        this.clientAddresses = clientAddresses;
        this.description = description;
    }

    public static EtcdCluster start(Path binary, int size, Path dir, FreePorts ports) throws IOException {
        int[] client = new int[size];
        int[] peer = new int[size];
        StringJoiner initial = new StringJoiner(",");
        for (int i = 0; i < size; i++) {
            client[i] = ports.next();
            peer[i] = ports.next();
            initial.add("e" + (i + 1) + "=http://127.0.0.1:" + peer[i]);
        }
        List<LocalProcess> members = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                String name = "e" + (i + 1);
                Path data = dir.resolve(name);
                members.add(LocalProcess.start("etcd " + name, List.of(binary.toString(),
                        "--name=" + name,
                        "--data-dir=" + data.resolve("data"),
                        "--listen-client-urls=http://127.0.0.1:" + client[i],
                        "--advertise-client-urls=http://127.0.0.1:" + client[i],
                        "--listen-peer-urls=http://127.0.0.1:" + peer[i],
                        "--initial-advertise-peer-urls=http://127.0.0.1:" + peer[i],
                        "--initial-cluster=" + initial,
                        "--initial-cluster-token=armada-bench",
                        "--initial-cluster-state=new",
                        // the history Armada keeps by default (storage.compaction-retention, checked every
                        // 5 minutes): both sides pay for compacting what they write
                        "--auto-compaction-mode=revision",
                        "--auto-compaction-retention=100000",
                        "--logger=zap"), data.resolve("etcd.log")));
                addresses.add("127.0.0.1:" + client[i]);
            }
        } catch (IOException | RuntimeException e) {
            members.forEach(LocalProcess::close);
            throw e;
        }
        return new EtcdCluster(members, List.copyOf(addresses),
                EtcdBinary.version(binary) + ", " + size + " members, data in " + dir);
    }

    @Override
    public List<LocalProcess> processes() {
        return members;
    }

    @Override
    public String system() {
        return "etcd";
    }

    @Override
    public String endpoints() {
        return String.join(",", clientAddresses);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        members.forEach(LocalProcess::close);
    }
}
