package io.armadakv.node.cli;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** MD5 (what the seed's manifest carries) and SHA-256 of one file's bytes, computed in one pass. */
final class FileDigests {

    private final MessageDigest md5;
    private final MessageDigest sha256;
    private long size;

    FileDigests() {
        try {
            md5 = MessageDigest.getInstance("MD5");
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void update(byte[] b, int off, int len) {
        md5.update(b, off, len);
        sha256.update(b, off, len);
        size += len;
    }

    /** Hex digests; call once, at the end. */
    Result finish() {
        return new Result(HexFormat.of().formatHex(md5.digest()), HexFormat.of().formatHex(sha256.digest()), size);
    }

    record Result(String md5, String sha256, long size) {
    }
}
