package io.armadakv.node.replication;

import com.google.protobuf.ByteString;
import replication.v1.Replication.AuthChallenge;
import replication.v1.Replication.ClientAuth;
import replication.v1.Replication.ReplicationFrame;
import replication.v1.Replication.StreamError;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Mutual authentication of a replicator inside the QUIC connection, because kwik's TLS stack
 * cannot ask for client certificates: on the connection's first stream the replicator sends its
 * certificate, the leader a fresh random challenge, the replicator its signature of the
 * challenge, and the leader accepts the connection if the certificate chains to its configured
 * CA and the signature verifies with the certificate's key. The TLS connection itself is what
 * keeps the exchange from being replayed elsewhere: the challenge is new for every connection.
 */
public final class ClientAuthentication {

    private static final byte[] CONTEXT = "armada-repl client auth v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private ClientAuthentication() {
    }

    /** The leader's side, after the stream's first request brought {@code hello}; true if the client proved itself. */
    static boolean serve(ClientAuth hello, InputStream in, OutputStream out, List<X509Certificate> trust,
                         Runnable accepted) throws IOException {
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        ReplicationFrame.newBuilder().setChallenge(AuthChallenge.newBuilder().setNonce(ByteString.copyFrom(nonce)))
                .build().writeDelimitedTo(out);
        out.flush();
        ClientAuth proof = BoundedRequest.read(in, ClientAuth.parser());
        String refusal;
        if (proof == null) {
            refusal = "no signature of the challenge";
        } else {
            refusal = check(hello, nonce, proof.getSignature().toByteArray(), trust);
        }
        if (refusal == null) {
            // before the answer: the client opens its next stream the moment it reads it
            accepted.run();
        }
        ReplicationFrame answer = refusal == null ? ReplicationFrame.newBuilder().setAuthenticated(true).build()
                : ReplicationFrame.newBuilder().setError(StreamError.newBuilder().setCode("UNAUTHENTICATED")
                        .setMessage("client certificate refused: " + refusal)).build();
        answer.writeDelimitedTo(out);
        out.flush();
        return refusal == null;
    }

    /** Why the proof fails, or null when it holds. */
    static String check(ClientAuth hello, byte[] nonce, byte[] signature, List<X509Certificate> trust) {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> chain = new ArrayList<>();
            for (ByteString der : hello.getCertificateChainList()) {
                chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der.toByteArray())));
            }
            if (chain.isEmpty()) {
                return "no certificate";
            }
            Set<TrustAnchor> anchors = new HashSet<>();
            trust.forEach(ca -> anchors.add(new TrustAnchor(ca, null)));
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(factory.generateCertPath(chain), params);
            X509Certificate leaf = chain.getFirst();
            List<String> usages = leaf.getExtendedKeyUsage();
            if (usages != null && !usages.contains("1.3.6.1.5.5.7.3.2") && !usages.contains("2.5.29.37.0")) {
                return leaf.getSubjectX500Principal() + " is not for client authentication";
            }
            Signature verifier = Signature.getInstance(algorithm(leaf.getPublicKey()));
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(CONTEXT);
            verifier.update(nonce);
            return verifier.verify(signature) ? null : "the signature of the challenge does not verify";
        } catch (GeneralSecurityException | RuntimeException e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }

    /** The replicator's side: signs a challenge with the key of its certificate. */
    public static byte[] sign(byte[] nonce, PrivateKey key) throws GeneralSecurityException {
        Signature signer = Signature.getInstance(algorithm(key.getAlgorithm()));
        signer.initSign(key);
        signer.update(CONTEXT);
        signer.update(nonce);
        return signer.sign();
    }

    private static String algorithm(PublicKey key) {
        return algorithm(key.getAlgorithm());
    }

    private static String algorithm(String keyAlgorithm) {
        return switch (keyAlgorithm) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("keys of type " + keyAlgorithm + " are not supported; use EC or RSA");
        };
    }
}
