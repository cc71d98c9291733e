package io.armadakv.node.tls;

import io.armadakv.node.config.TlsFiles;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The key and trust managers of one TLS endpoint or client, filled from PEM files and refilled
 * when the files change (grpc-util's AdvancedTls managers take new material for every later
 * handshake; connections already open keep theirs).
 */
public final class ReloadingTls implements AutoCloseable {

    private final TlsFiles files;
    private final AdvancedTlsX509KeyManager keyManager;
    private final AdvancedTlsX509TrustManager trustManager;
    private final CertificateWatch watch;

    private ReloadingTls(String what, TlsFiles files, Verification verification) throws TlsFileException {
        this.files = files;
        this.keyManager = files.hasIdentity() ? new AdvancedTlsX509KeyManager() : null;
        try {
            this.trustManager = files.hasCa() || verification != Verification.CERTIFICATE_ONLY_VERIFICATION
                    ? AdvancedTlsX509TrustManager.newBuilder().setVerification(verification).build() : null;
        } catch (GeneralSecurityException e) {
            throw new TlsFileException("cannot set up certificate verification: " + e.getMessage(), e);
        }
        CertificateWatch.Fingerprint inUse = CertificateWatch.fingerprint(files.paths());
        load();
        this.watch = files.paths().isEmpty() ? null : CertificateWatch.start(what, files.paths(), inUse, this::load);
    }

    /**
     * Reads the files once and watches them.
     *
     * @param what         names the certificates in log lines
     * @param verification how a peer's certificate is checked: a server checks client certificates
     *                     against the CA only, a client also checks the server's name; without a CA
     *                     file a client trusts the JDK's default CAs
     */
    public static ReloadingTls open(String what, TlsFiles files, Verification verification) throws TlsFileException {
        return new ReloadingTls(what, files, verification);
    }

    /** Presents this identity; null when the files name no certificate. */
    public AdvancedTlsX509KeyManager keyManager() {
        return keyManager;
    }

    /** Checks the peer; null when the files name no CA and the peer is not checked. */
    public AdvancedTlsX509TrustManager trustManager() {
        return trustManager;
    }

    private void load() throws TlsFileException {
        if (files.hasIdentity()) {
            Identity identity;
            try {
                identity = Identity.read(files.cert().path(), files.key().path());
            } catch (IOException e) {
                throw new TlsFileException(files.cert().key() + " / " + files.key().key() + ": " + e.getMessage(), e);
            }
            keyManager.updateIdentityCredentials(identity.key(), identity.chainArray());
        }
        try {
            if (files.hasCa()) {
                List<X509Certificate> cas = PemFiles.certificates(files.ca().path());
                trustManager.updateTrustCredentials(cas.toArray(X509Certificate[]::new));
            } else if (trustManager != null) {
                trustManager.useSystemDefaultTrustCerts();
            }
        } catch (IOException | GeneralSecurityException e) {
            String key = files.hasCa() ? files.ca().toString() : "the JDK's default CAs";
            throw new TlsFileException(key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
    }
}
