package io.armadakv.node.replication;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A throw-away CA with a server certificate (RSA, dns:localhost) and a client certificate (EC)
 * signed by it, made with the JDK's keytool and written as PEM files.
 */
public record TestPki(Path caPem, Path serverChainPem, Path serverKeyPem, Path clientCertPem, Path clientKeyPem) {

    private static final String PASSWORD = "changeit";

    public static TestPki create(Path dir) throws IOException, InterruptedException {
        keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=Armada Test CA", "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12");
        keytool(dir, "-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.pem");
        issue(dir, "server", List.of("-keyalg", "RSA", "-keysize", "2048"), "CN=localhost", "SAN=dns:localhost");
        issue(dir, "client", List.of("-keyalg", "EC", "-groupname", "secp256r1"), "CN=replicator",
                "SAN=dns:replicator.armada.test");
        return new TestPki(dir.resolve("ca.pem"), dir.resolve("server-chain.pem"), dir.resolve("server.key"),
                dir.resolve("client.crt"), dir.resolve("client.key"));
    }

    /** A certificate and its key, as PEM files. */
    public record Issued(Path cert, Path key) {
    }

    /**
     * Another certificate signed by this CA (EC P-256), written as {@code name}.crt and {@code name}.key.
     *
     * @param san a keytool extension such as {@code SAN=dns:other.example}, or null
     */
    public Issued issue(String name, String dname, String san) throws IOException, InterruptedException {
        Path dir = caPem.getParent();
        issue(dir, name, List.of("-keyalg", "EC", "-groupname", "secp256r1"), dname, san);
        return new Issued(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
    }

    /** A key pair in {@code name}.p12, its certificate signed by the CA in {@code name}.crt, chain and PKCS#8 key as PEM. */
    private static void issue(Path dir, String name, List<String> keyOptions, String dname, String extension)
            throws IOException, InterruptedException {
        List<String> generate = new ArrayList<>(List.of("-genkeypair", "-alias", name, "-dname", dname,
                "-validity", "2", "-keystore", name + ".p12"));
        generate.addAll(keyOptions);
        keytool(dir, generate.toArray(String[]::new));
        keytool(dir, "-certreq", "-alias", name, "-keystore", name + ".p12", "-file", name + ".csr");
        List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12",
                "-infile", name + ".csr", "-outfile", name + ".crt", "-validity", "2"));
        if (extension != null) {
            sign.addAll(List.of("-ext", extension));
        }
        keytool(dir, sign.toArray(String[]::new));
        Files.writeString(dir.resolve(name + "-chain.pem"),
                Files.readString(dir.resolve(name + ".crt")) + Files.readString(dir.resolve("ca.pem")));
        writeKey(dir.resolve(name + ".p12"), name, dir.resolve(name + ".key"));
    }

    static void writeKey(Path keyStoreFile, String alias, Path pemFile) throws IOException {
        try (InputStream in = Files.newInputStream(keyStoreFile)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, PASSWORD.toCharArray());
            writeKey((PrivateKey) keyStore.getKey(alias, PASSWORD.toCharArray()), pemFile);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    static void writeKey(PrivateKey key, Path pemFile) throws IOException {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
        Files.writeString(pemFile, "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n");
    }

    private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-noprompt"));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }
}
