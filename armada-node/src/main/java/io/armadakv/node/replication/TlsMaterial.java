package io.armadakv.node.replication;

import io.armadakv.node.tls.Identity;
import io.armadakv.node.tls.PemFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The identity the replication endpoint presents, and optionally the CAs whose client
 * certificates it requires (mutual TLS).
 *
 * @param certificateChain the server certificate first, then its intermediates
 * @param privateKey       the server certificate's key, RSA or EC
 * @param clientTrust      CA certificates a client certificate must chain to; empty for no client authentication
 */
public record TlsMaterial(List<X509Certificate> certificateChain, PrivateKey privateKey, List<X509Certificate> clientTrust) {

    public TlsMaterial {
        certificateChain = List.copyOf(certificateChain);
        Objects.requireNonNull(privateKey, "privateKey");
        clientTrust = List.copyOf(clientTrust);
        if (certificateChain.isEmpty()) {
            throw new IllegalArgumentException("the certificate chain is empty");
        }
    }

    /** From a PEM certificate chain file and an unencrypted PKCS#8 PEM key file. */
    public static TlsMaterial fromPem(Path certificateChainFile, Path privateKeyFile) throws IOException {
        Identity identity = Identity.read(certificateChainFile, privateKeyFile);
        return new TlsMaterial(identity.chain(), identity.key(), List.of());
    }

    /** The development certificate in {@code directory} (see {@link DevCertificate}), created if missing. */
    public static TlsMaterial devCertificate(Path directory) throws IOException {
        KeyStore keyStore = DevCertificate.ensure(directory);
        try {
            PrivateKey key = (PrivateKey) keyStore.getKey(DevCertificate.ALIAS, DevCertificate.password());
            List<X509Certificate> chain = Arrays.stream(keyStore.getCertificateChain(DevCertificate.ALIAS))
                    .map(X509Certificate.class::cast)
                    .toList();
            return new TlsMaterial(chain, key, List.of());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the development certificate in " + directory + ": " + e.getMessage(), e);
        }
    }

    /** The same identity, requiring client certificates issued by a CA in {@code caFile} (PEM). */
    public TlsMaterial withClientTrust(Path caFile) throws IOException {
        return new TlsMaterial(certificateChain, privateKey, PemFiles.certificates(caFile));
    }

    public boolean requiresClientCertificates() {
        return !clientTrust.isEmpty();
    }

    /** The identity as a key store, the form kwik takes it in; {@code password} protects the key entry. */
    KeyStore keyStore(String alias, char[] password) {
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry(alias, privateKey, password, certificateChain.toArray(Certificate[]::new));
            return keyStore;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot hold the TLS identity in a key store: " + e.getMessage(), e);
        }
    }

    // A record's generated toString would print the private key.
    @Override
    public String toString() {
        return "TlsMaterial[" + certificateChain.getFirst().getSubjectX500Principal()
                + ", " + privateKey.getAlgorithm() + " key"
                + (clientTrust.isEmpty() ? "" : ", client CAs " + clientTrust.stream().map(X509Certificate::getSubjectX500Principal).toList())
                + "]";
    }
}
