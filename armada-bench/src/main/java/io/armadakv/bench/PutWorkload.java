package io.armadakv.bench;

import armada.v1.PutRequest;
import com.google.protobuf.ByteString;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/** Puts of fixed-size values to random keys of the key space. */
@Command(name = "put", mixinStandardHelpOptions = true, description = "Put random keys")
final class PutWorkload implements Callable<Integer> {

    @Mixin
    BenchOptions options;

    @Override
    public Integer call() throws Exception {
        Keys keys = new Keys(options.keyCount, options.keySize);
        byte[] v = new byte[options.valueSize];
        ThreadLocalRandom.current().nextBytes(v);
        ByteString value = ByteString.copyFrom(v);
        ByteString table = ByteString.copyFromUtf8(options.table);
        try (ArmadaClient client = new ArmadaClient(options.address, options.connections)) {
            client.ensureTable(options.table);
            LoadRunner.Result r = new LoadRunner().run("put", options.clients, options.warmup, options.duration,
                    (c, random, ok, failed) -> client.kv(c).put(PutRequest.newBuilder()
                            .setTable(table)
                            .setKey(keys.get(random.nextInt(keys.count())))
                            .setValue(value).build(), new StreamCallback<>(ok, failed)));
            Report.print(r, options.json);
            return r.errors() == 0 ? 0 : 1;
        }
    }
}
