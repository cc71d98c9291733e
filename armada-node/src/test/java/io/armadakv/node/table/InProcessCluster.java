package io.armadakv.node.table;

import io.armadakv.node.config.CommandLineConfigSource;
import io.armadakv.node.config.NodeConfig;
import io.armadakv.node.it.LoopbackPorts;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/** Several nodes' table layers in this JVM, each with its own Ratis server on a loopback port. */
final class InProcessCluster implements AutoCloseable {

    private final List<NodeConfig> configs = new ArrayList<>();
    // read by tests while other threads start and stop nodes
    private final java.util.concurrent.atomic.AtomicReferenceArray<TableManager> nodes;
    private final TableObserver[] observers;

    InProcessCluster(Path dir, int size, String... extraFlags) {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ports.add(LoopbackPorts.next());
        }
        String members = java.util.stream.IntStream.range(0, size)
                .mapToObj(i -> (i + 1) + "=127.0.0.1:" + ports.get(i)).collect(Collectors.joining(","));
        for (int i = 0; i < size; i++) {
            List<String> flags = new ArrayList<>(List.of(
                    "--raft.node-id=" + (i + 1),
                    "--raft.address=127.0.0.1:" + ports.get(i),
                    "--raft.initial-members=" + members,
                    "--raft.election-timeout=300",
                    "--raft.node-host-dir=" + dir.resolve("n" + (i + 1)).resolve("raft"),
                    "--raft.state-machine-dir=" + dir.resolve("n" + (i + 1)).resolve("tables")));
            flags.addAll(List.of(extraFlags));
            configs.add(NodeConfig.from(ConfigProviderResolver.instance().getBuilder()
                    .withSources(CommandLineConfigSource.parse(flags)).build()));
        }
        nodes = new java.util.concurrent.atomic.AtomicReferenceArray<>(size);
        observers = new TableObserver[size];
        java.util.Arrays.fill(observers, TableObserver.NONE);
    }

    /** Node {@code i} reports to {@code observer} from its next start on. */
    InProcessCluster observe(int i, TableObserver observer) {
        observers[i] = observer;
        return this;
    }

    /** Starts every node at once: each waits for a catalog leader, which needs a majority. */
    InProcessCluster start() {
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (int i = 0; i < nodes.length(); i++) {
            int n = i;
            starts.add(CompletableFuture.runAsync(() -> startNode(n)));
        }
        starts.forEach(CompletableFuture::join);
        return this;
    }

    void startNode(int i) {
        TableManager m = new TableManager(configs.get(i), observers[i]);
        nodes.set(i, m); // visible while it starts: a test may watch a start that it holds up
        try {
            m.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        NodeConfig c = configs.get(i);
        m.registerUntilDone(io.armadakv.proto.internal.MemberInfo.newBuilder()
                .setNodeId(c.nodeId()).setUuid(new java.util.UUID(0, c.nodeId()).toString())
                .setName(c.nodeName()).setApiUrl(c.apiAdvertiseAddress())
                .setRaftAddress(c.raftAddress().hostPort()).build());
    }

    void stopNode(int i) {
        nodes.get(i).close();
        nodes.set(i, null);
    }

    TableManager node(int i) {
        return nodes.get(i);
    }

    int size() {
        return nodes.length();
    }

    NodeConfig config(int i) {
        return configs.get(i);
    }

    @Override
    public void close() {
        List<CompletableFuture<Void>> closes = new ArrayList<>();
        for (int i = 0; i < nodes.length(); i++) {
            TableManager m = nodes.get(i);
            if (m != null) {
                closes.add(CompletableFuture.runAsync(m::close));
            }
        }
        closes.forEach(CompletableFuture::join);
    }
}
