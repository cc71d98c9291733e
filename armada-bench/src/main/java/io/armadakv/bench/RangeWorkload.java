package io.armadakv.bench;

import armada.v1.PutRequest;
import armada.v1.RangeRequest;
import com.google.protobuf.ByteString;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/** Point reads of random existing keys, serializable by default. */
@Command(name = "range", mixinStandardHelpOptions = true, description = "Read random keys (point Range)")
final class RangeWorkload implements Callable<Integer> {

    @Mixin
    BenchOptions options;

    @Option(names = "--linearizable", description = "linearizable reads (ReadIndex) instead of serializable")
    boolean linearizable;

    @Override
    public Integer call() throws Exception {
        Keys keys = new Keys(options.keyCount, options.keySize);
        byte[] v = new byte[options.valueSize];
        ThreadLocalRandom.current().nextBytes(v);
        ByteString table = ByteString.copyFromUtf8(options.table);
        try (ArmadaClient client = new ArmadaClient(options.address, options.connections)) {
            client.ensureTable(options.table);
            for (int i = 0; i < keys.count(); i++) {
                client.blocking().put(PutRequest.newBuilder().setTable(table).setKey(keys.get(i))
                        .setValue(ByteString.copyFrom(v)).build());
            }
            String name = linearizable ? "range-linearizable" : "range-serializable";
            LoadRunner.Result r = new LoadRunner().run(name, options.clients, options.warmup, options.duration,
                    (c, random, ok, failed) -> client.kv(c).range(RangeRequest.newBuilder()
                            .setTable(table)
                            .setKey(keys.get(random.nextInt(keys.count())))
                            .setLinearizable(linearizable).build(), new StreamCallback<>(ok, failed)));
            Report.print(r, options.json);
            return r.errors() == 0 ? 0 : 1;
        }
    }
}
