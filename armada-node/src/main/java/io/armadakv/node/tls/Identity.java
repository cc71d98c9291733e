package io.armadakv.node.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A certificate chain and the private key of its first certificate, checked to belong together.
 *
 * @param chain the leaf first, then its intermediates
 */
public record Identity(List<X509Certificate> chain, PrivateKey key) {

    public Identity {
        chain = List.copyOf(chain);
        Objects.requireNonNull(key, "key");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("the certificate chain is empty");
        }
    }

    /** From a PEM certificate chain file and an unencrypted PKCS#8 PEM key file. */
    public static Identity read(Path chainFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = PemFiles.certificates(chainFile);
        PrivateKey key = PemFiles.privateKey(keyFile);
        if (!belongTogether(chain.getFirst().getPublicKey(), key)) {
            throw new IOException("the private key in " + keyFile + " does not belong to the first certificate in "
                    + chainFile + " (" + chain.getFirst().getSubjectX500Principal() + ")");
        }
        return new Identity(chain, key);
    }

    public X509Certificate[] chainArray() {
        return chain.toArray(X509Certificate[]::new);
    }

    // A record's generated toString would print the private key.
    @Override
    public String toString() {
        return "Identity[" + chain.getFirst().getSubjectX500Principal() + ", serial "
                + chain.getFirst().getSerialNumber().toString(16) + ", " + key.getAlgorithm() + " key]";
    }

    private static boolean belongTogether(PublicKey publicKey, PrivateKey privateKey) {
        if (!publicKey.getAlgorithm().equals(privateKey.getAlgorithm())) {
            return false;
        }
        String algorithm = privateKey.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] probe = "armada key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
