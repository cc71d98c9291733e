package io.armadakv.replicator.quic;

import io.armadakv.node.replication.DevCertificate;
import io.armadakv.node.tls.Identity;
import io.armadakv.node.tls.PemFiles;
import tech.kwik.core.QuicClientConnection;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * How the replicator checks the leader's certificate, and the certificate it presents if the
 * leader asks for one.
 *
 * @param trusted            certificates the leader's chain must end in; empty exactly when {@code skipVerify}
 * @param skipVerify         accept any leader certificate: encrypted, but open to a man in the middle
 * @param clientCertificate  presented when the leader asks for a client certificate, or null
 * @param clientKey          the key of {@code clientCertificate}, or null
 */
public record ClientTls(List<X509Certificate> trusted, boolean skipVerify,
                        X509Certificate clientCertificate, PrivateKey clientKey) {

    public ClientTls {
        trusted = List.copyOf(trusted);
        if (trusted.isEmpty() != skipVerify) {
            throw new IllegalArgumentException(skipVerify
                    ? "insecure-skip-verify takes no trusted certificates" : "no trusted certificate for the leader");
        }
        if ((clientCertificate == null) != (clientKey == null)) {
            throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
        }
    }

    /** Trusts the CA certificates in a PEM file. */
    public static ClientTls trustCa(Path caFile) throws IOException {
        return new ClientTls(PemFiles.certificates(caFile), false, null, null);
    }

    /** Trusts the leader's development certificate, read from its directory (never generated here). */
    public static ClientTls trustDevCertificate(Path directory) throws IOException {
        return new ClientTls(List.of(DevCertificate.certificate(directory)), false, null, null);
    }

    /** Accepts any leader certificate. For tests and first steps only. */
    public static ClientTls insecureSkipVerify() {
        return new ClientTls(List.of(), true, null, null);
    }

    /** The same trust, presenting the certificate (PEM, leaf first) and unencrypted PKCS#8 key in these files. */
    public ClientTls withClientCertificate(Path certificateFile, Path privateKeyFile) throws IOException {
        Identity identity = Identity.read(certificateFile, privateKeyFile);
        return new ClientTls(trusted, skipVerify, identity.chain().getFirst(), identity.key());
    }

    void applyTo(QuicClientConnection.Builder builder) {
        if (skipVerify) {
            builder.noServerCertificateCheck();
        } else {
            builder.customTrustStore(trustStore());
        }
        if (clientCertificate != null) {
            builder.clientCertificate(clientCertificate).clientCertificateKey(clientKey);
        }
    }

    private KeyStore trustStore() {
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            for (int i = 0; i < trusted.size(); i++) {
                keyStore.setCertificateEntry("trusted-" + i, trusted.get(i));
            }
            return keyStore;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot hold the trusted certificates in a key store: " + e.getMessage(), e);
        }
    }

    // A record's generated toString would print the private key.
    @Override
    public String toString() {
        return "ClientTls[" + (skipVerify ? "insecure-skip-verify"
                : "trusts " + trusted.stream().map(X509Certificate::getSubjectX500Principal).toList())
                + (clientCertificate == null ? "" : ", client " + clientCertificate.getSubjectX500Principal())
                + "]";
    }
}
