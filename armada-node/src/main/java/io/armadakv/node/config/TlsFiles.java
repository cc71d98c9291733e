package io.armadakv.node.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The PEM files of one TLS endpoint or client, each with the configuration key that named it,
 * so every error can say which key and which file to fix. Any of them may be absent.
 */
public record TlsFiles(ConfiguredFile cert, ConfiguredFile key, ConfiguredFile ca) {

    /** A file and the key it came from. */
    public record ConfiguredFile(String key, Path path) {
        @Override
        public String toString() {
            return key + " (" + path + ")";
        }
    }

    public static final TlsFiles NONE = new TlsFiles(null, null, null);

    public TlsFiles {
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("a certificate needs its key, and a key its certificate");
        }
    }

    /** From keys and paths; a null path leaves that file out. */
    public static TlsFiles of(String certKey, Path cert, String keyKey, Path key, String caKey, Path ca) {
        return new TlsFiles(cert == null ? null : new ConfiguredFile(certKey, cert),
                key == null ? null : new ConfiguredFile(keyKey, key), ca == null ? null : new ConfiguredFile(caKey, ca));
    }

    public boolean hasIdentity() {
        return cert != null;
    }

    public boolean hasCa() {
        return ca != null;
    }

    /** The files present, in the order cert, key, CA. */
    public List<Path> paths() {
        List<Path> paths = new ArrayList<>();
        for (ConfiguredFile f : new ConfiguredFile[] {cert, key, ca}) {
            if (f != null) {
                paths.add(f.path());
            }
        }
        return paths;
    }
}
