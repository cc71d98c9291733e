package io.armadakv.node.replication;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A self-signed EC P-256 certificate for CN=localhost (SAN dns:localhost, ip:127.0.0.1), so a
 * development setup runs TLS without anyone issuing certificates. Generated once with the running
 * JDK's keytool into a PKCS12 file in a given directory and reused on later starts, so a client
 * can trust the same file. Its password is a fixed constant: it protects nothing.
 */
public final class DevCertificate {

    public static final String FILE_NAME = "armada-dev-quic.p12";
    public static final String ALIAS = "armada-dev";
    private static final String PASSWORD = "armada-dev-only";
    private static final int VALIDITY_DAYS = 3650;
    private static final Logger LOG = Logger.getLogger(DevCertificate.class.getName());

    private DevCertificate() {
    }

    public static char[] password() {
        return PASSWORD.toCharArray();
    }

    /** The certificate in {@code directory}, generated first if it is missing or expired. */
    public static KeyStore ensure(Path directory) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        boolean generated = false;
        if (!Files.exists(file)) {
            generate(directory, file, false);
            generated = true;
        } else if (!currentlyValid(read(directory))) {
            generate(directory, file, true);
            generated = true;
        }
        KeyStore keyStore = read(directory);
        LOG.warning("QUIC replication uses a self-signed certificate for development only ("
                + (generated ? "generated " : "") + file + "); configure a certificate and key for production");
        return keyStore;
    }

    /** The certificate already in {@code directory}; never generates one. */
    public static KeyStore read(Path directory) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, password());
            if (!keyStore.isKeyEntry(ALIAS)) {
                throw new IOException(file + " has no key entry '" + ALIAS + "'");
            }
            return keyStore;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the development certificate " + file + ": " + e.getMessage(), e);
        }
    }

    /** The certificate alone, for a client that trusts it. */
    public static X509Certificate certificate(Path directory) throws IOException {
        try {
            return (X509Certificate) read(directory).getCertificate(ALIAS);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the development certificate in " + directory + ": " + e.getMessage(), e);
        }
    }

    private static boolean currentlyValid(KeyStore keyStore) throws IOException {
        try {
            ((X509Certificate) keyStore.getCertificate(ALIAS)).checkValidity();
            return true;
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot check the development certificate: " + e.getMessage(), e);
        }
    }

    // keytool writes to a temporary file that is then moved into place, so two processes starting
    // at once both end up with the same, complete file.
    private static void generate(Path directory, Path file, boolean replace) throws IOException {
        Files.createDirectories(directory);
        Path tmp = Files.createTempFile(directory, FILE_NAME, ".tmp");
        Files.delete(tmp); // keytool refuses to write into an existing, empty keystore file
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> command = List.of(keytool, "-genkeypair", "-alias", ALIAS,
                "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-validity", Integer.toString(VALIDITY_DAYS), "-storetype", "PKCS12",
                "-keystore", tmp.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException("keytool could not create a development certificate in " + directory + ": " + output);
            }
            if (replace) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                try {
                    Files.move(tmp, file);
                } catch (FileAlreadyExistsException anotherProcessWasFaster) {
                    // use theirs
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating a development certificate in " + directory, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
