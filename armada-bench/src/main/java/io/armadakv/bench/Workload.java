package io.armadakv.bench;

import io.armadakv.bench.driver.KvDriver;

/** One workload, defined once and run through any {@link KvDriver}. */
interface Workload {

    /** The name reports use, with the variant, e.g. {@code range (serializable, point)}. */
    String name();

    /** Writes what the workload reads, before the clock starts. */
    void prepare(KvDriver driver) throws InterruptedException;

    LoadRunner.Operation operation(KvDriver driver);
}
