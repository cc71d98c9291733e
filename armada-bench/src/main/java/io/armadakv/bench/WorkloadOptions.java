package io.armadakv.bench;

/** The shape of a workload's data and requests; the same for every driver of a run. */
record WorkloadOptions(int keyCount, int keySize, int valueSize, boolean linearizable, boolean prefix,
                       double readRatio, int counters) {

    WorkloadOptions {
        if (valueSize < 0 || keySize < 1) {
            throw new IllegalArgumentException("--key-size must be at least 1 and --value-size not negative");
        }
        if (readRatio < 0 || readRatio > 1) {
            throw new IllegalArgumentException("--read-ratio must be between 0 and 1, got " + readRatio);
        }
        if (counters < 1) {
            throw new IllegalArgumentException("--counters must be at least 1");
        }
    }
}
