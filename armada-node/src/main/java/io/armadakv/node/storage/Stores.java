package io.armadakv.node.storage;

import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.ExodusException;
import jetbrains.exodus.env.Environment;
import jetbrains.exodus.env.EnvironmentConfig;
import jetbrains.exodus.env.Environments;
import jetbrains.exodus.env.Store;
import jetbrains.exodus.env.StoreConfig;
import jetbrains.exodus.env.Transaction;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The Xodus environment of one table: the three stores of ARCHITECTURE.md section 4, plus two
 * local ones that snapshots leave out: {@code revisions} (per applied Raft entry, the revisions
 * its commands were given, which the replication endpoint serves with the log) and
 * {@code staging} (versions of a leader snapshot a follower is loading, invisible to reads).
 */
record Stores(String table, Environment env, Store kv, Store latest, Store meta, Store revisions, Store staging) {

    static final String KV = "kv";
    static final String LATEST = "latest";
    static final String META = "meta";
    static final String REVISIONS = "revisions";
    static final String STAGING = "staging";

    static Stores open(Path dir, StoreOptions options) {
        EnvironmentConfig config = new EnvironmentConfig()
                .setLogDurableWrite(options.durableWrites())
                // a node hosts many tables: one log cache for all of them, no JMX beans per table
                .setLogCacheShared(true)
                .setManagementEnabled(false)
                // the cleaner starts when three quarters of the log is garbage, not half: it then copies
                // about a third as much live data per byte it frees (docs/benchmarks.md, C1 loops),
                // and a table takes up to four times its live size on disk instead of two
                .setGcMinUtilization(25)
                // B-tree pages of 32 entries, not 128: every commit rewrites the pages it touches whole,
                // among them the last page of `revisions`, which gets a key per entry; 6 % more puts
                // per second through the store (docs/benchmarks.md, put24PerEntryWithRevisions). Pages
                // written larger by earlier versions stay readable and split when next written.
                .setTreeMaxPageSize(32)
                // an abandoned iterator must not keep a table from closing
                .setEnvCloseForcedly(true);
        if (options.cacheBytes() > 0) {
            // set here, not through -Dexodus.memoryUsage, which Xodus does not read (it has no default)
            config.setMemoryUsage(options.cacheBytes());
        }
        Environment env;
        try {
            env = Environments.newInstance(dir.toFile(), config);
        } catch (ExodusException e) {
            throw new StoreException("table " + options.name() + ": cannot open store in " + dir + ": " + e.getMessage(), e);
        }
        try {
            return env.computeInExclusiveTransaction(txn -> new Stores(options.name(), env,
                    // prefixing (Patricia) trees share the long common prefixes of encoded keys
                    env.openStore(KV, StoreConfig.WITHOUT_DUPLICATES_WITH_PREFIXING, txn),
                    env.openStore(LATEST, StoreConfig.WITHOUT_DUPLICATES_WITH_PREFIXING, txn),
                    env.openStore(META, StoreConfig.WITHOUT_DUPLICATES, txn),
                    env.openStore(REVISIONS, StoreConfig.WITHOUT_DUPLICATES, txn),
                    env.openStore(STAGING, StoreConfig.WITHOUT_DUPLICATES_WITH_PREFIXING, txn)));
        } catch (RuntimeException e) {
            env.close();
            throw new StoreException("table " + options.name() + ": cannot open stores in " + dir + ": " + e.getMessage(), e);
        }
    }

    long metaLong(Transaction txn, byte[] name) {
        ByteIterable v = meta.get(txn, new ArrayByteIterable(name));
        return v == null ? 0 : RevisionKey.readLong(v.getBytesUnsafe(), 0);
    }

    /** Applied index and term, {0, 0} for a store that has applied nothing. */
    long[] applied(Transaction txn) {
        ByteIterable v = meta.get(txn, new ArrayByteIterable(MetaKeys.APPLIED));
        if (v == null) {
            return new long[] {0, 0};
        }
        byte[] b = v.getBytesUnsafe();
        return new long[] {RevisionKey.readLong(b, 0), RevisionKey.readLong(b, 8)};
    }

    static byte[] copy(ByteIterable b) {
        return Arrays.copyOf(b.getBytesUnsafe(), b.getLength());
    }
}
