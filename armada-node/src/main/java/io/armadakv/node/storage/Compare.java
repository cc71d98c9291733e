package io.armadakv.node.storage;

/**
 * A transaction guard on one key or a range of keys, as etcd defines it: VALUE compares the
 * stored value with {@code value} (unsigned bytes; a null {@code value} tests existence);
 * VERSION, CREATE and MOD compare the key's version, create revision or mod revision with
 * {@code number}, a missing key counting as 0. A range guard holds when every live key in the
 * range passes; an empty range fails a VALUE guard and compares 0 for the others.
 */
public record Compare(KeyRange range, Target target, Result result, byte[] value, long number) {

    public enum Target { VALUE, VERSION, CREATE, MOD }

    public enum Result { EQUAL, GREATER, LESS, NOT_EQUAL }
}
