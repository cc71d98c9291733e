package io.armadakv.bench;

import com.google.protobuf.ByteString;
import io.armadakv.bench.driver.Callback;
import io.armadakv.bench.driver.CasResult;
import io.armadakv.bench.driver.KvDriver;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/** The workloads {@code armada bench} knows, by name. */
final class Workloads {

    static final List<String> NAMES = List.of("put", "range", "txn-cas", "iterate", "mixed");

    private Workloads() {
    }

    static Workload of(String name, WorkloadOptions o) {
        Keys keys = new Keys(o.keyCount(), o.keySize());
        ByteString value = randomValue(o.valueSize());
        return switch (name) {
            case "put" -> new Put(keys, value);
            case "range" -> new Range(keys, value, o.linearizable(), o.prefix());
            case "txn-cas" -> new CompareAndSwap(o.counters(), o.keySize());
            case "iterate" -> new Iterate(keys, value);
            case "mixed" -> new Mixed(keys, value, o.readRatio(), o.linearizable());
            default -> throw new IllegalArgumentException("unknown workload '" + name + "': one of " + NAMES);
        };
    }

    static ByteString randomValue(int size) {
        byte[] v = new byte[size];
        ThreadLocalRandom.current().nextBytes(v);
        return ByteString.copyFrom(v);
    }

    private static <T> Callback<T> callback(Runnable ok, Consumer<Throwable> failed) {
        return new Callback<>() {
            @Override
            public void done(T result) {
                ok.run();
            }

            @Override
            public void failed(Throwable error) {
                failed.accept(error);
            }
        };
    }

    private static String mode(boolean linearizable) {
        return linearizable ? "linearizable" : "serializable";
    }

    /** Puts of one fixed value to random keys. */
    private record Put(Keys keys, ByteString value) implements Workload {
        @Override
        public String name() {
            return "put";
        }

        @Override
        public void prepare(KvDriver driver) {
            driver.prepare();
        }

        @Override
        public LoadRunner.Operation operation(KvDriver d) {
            return (c, random, ok, failed) -> d.put(c, keys.get(random.nextInt(keys.count())), value, callback(ok, failed));
        }
    }

    /** Reads of random existing keys: one key, or the hundred keys sharing a prefix. */
    private record Range(Keys keys, ByteString value, boolean linearizable, boolean prefix) implements Workload {
        @Override
        public String name() {
            return "range (" + mode(linearizable) + ", " + (prefix ? "prefix of 100" : "point") + ")";
        }

        @Override
        public void prepare(KvDriver driver) throws InterruptedException {
            driver.prepare();
            Preload.put(driver, keys.count(), keys::get, i -> value);
        }

        @Override
        public LoadRunner.Operation operation(KvDriver d) {
            if (prefix) {
                return (c, random, ok, failed) -> {
                    ByteString from = keys.hundred(random.nextInt(keys.count()));
                    d.scan(c, from, Keys.prefixEnd(from), 100, linearizable, callback(ok, failed));
                };
            }
            return (c, random, ok, failed) ->
                    d.get(c, keys.get(random.nextInt(keys.count())), linearizable, callback(ok, failed));
        }
    }

    /**
     * Increments random counters by compare-and-swap: a Txn that writes value+1 if the counter
     * still holds the value the client last saw, and otherwise reads it. Both outcomes count as
     * answered requests; a lost race just refreshes what the client knows.
     */
    private static final class CompareAndSwap implements Workload {
        private final ByteString[] counterKeys;
        private final AtomicReferenceArray<ByteString> known;

        CompareAndSwap(int counters, int keySize) {
            counterKeys = new ByteString[counters];
            known = new AtomicReferenceArray<>(counters);
            for (int i = 0; i < counters; i++) {
                StringBuilder sb = new StringBuilder("counter/").append(i);
                while (sb.length() < keySize) {
                    sb.append('.');
                }
                counterKeys[i] = ByteString.copyFromUtf8(sb.toString());
                known.set(i, ByteString.copyFromUtf8("0"));
            }
        }

        @Override
        public String name() {
            return "txn-cas (" + counterKeys.length + " counters)";
        }

        @Override
        public void prepare(KvDriver driver) throws InterruptedException {
            driver.prepare();
            Preload.put(driver, counterKeys.length, i -> counterKeys[i], i -> known.get(i));
        }

        @Override
        public LoadRunner.Operation operation(KvDriver d) {
            return (c, random, ok, failed) -> {
                int i = random.nextInt(counterKeys.length);
                ByteString expected = known.get(i);
                ByteString next = ByteString.copyFromUtf8(Long.toString(Long.parseLong(expected.toStringUtf8()) + 1));
                d.compareAndSwap(c, counterKeys[i], expected, next, new Callback<>() {
                    @Override
                    public void done(CasResult result) {
                        known.compareAndSet(i, expected, result.current().isEmpty() ? expected : result.current());
                        ok.run();
                    }

                    @Override
                    public void failed(Throwable error) {
                        failed.accept(error);
                    }
                });
            };
        }
    }

    /** Reads the whole key space, streamed where the server streams large ranges. */
    private record Iterate(Keys keys, ByteString value) implements Workload {
        @Override
        public String name() {
            return "iterate (" + keys.count() + " keys)";
        }

        @Override
        public void prepare(KvDriver driver) throws InterruptedException {
            driver.prepare();
            Preload.put(driver, keys.count(), keys::get, i -> value);
        }

        @Override
        public LoadRunner.Operation operation(KvDriver d) {
            ByteString end = Keys.prefixEnd(Keys.PREFIX);
            return (c, random, ok, failed) -> d.iterate(c, Keys.PREFIX, end, new Callback<>() {
                @Override
                public void done(Long count) {
                    if (count == keys.count()) {
                        ok.run();
                    } else {
                        failed.accept(new IllegalStateException("iterate saw " + count + " keys, expected " + keys.count()));
                    }
                }

                @Override
                public void failed(Throwable error) {
                    failed.accept(error);
                }
            });
        }
    }

    /** Point reads and puts of random keys in a fixed ratio. */
    private record Mixed(Keys keys, ByteString value, double readRatio, boolean linearizable) implements Workload {
        @Override
        public String name() {
            return "mixed (" + Math.round(readRatio * 100) + "% " + mode(linearizable) + " reads)";
        }

        @Override
        public void prepare(KvDriver driver) throws InterruptedException {
            driver.prepare();
            Preload.put(driver, keys.count(), keys::get, i -> value);
        }

        @Override
        public LoadRunner.Operation operation(KvDriver d) {
            return (c, random, ok, failed) -> {
                ByteString key = keys.get(random.nextInt(keys.count()));
                if (random.nextDouble() < readRatio) {
                    d.get(c, key, linearizable, callback(ok, failed));
                } else {
                    d.put(c, key, value, callback(ok, failed));
                }
            };
        }
    }
}
