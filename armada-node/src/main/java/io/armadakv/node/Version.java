package io.armadakv.node;

/** The build's version, stamped into the jar manifest by the build. */
public final class Version {

    private Version() {
    }

    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "UNKNOWN" : v;
    }
}
