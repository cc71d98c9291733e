package io.armadakv.node.replication;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import replication.v1.Replication.ClientAuth;
import replication.v1.Replication.ReplicationFrame;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientAuthenticationTest {

    @TempDir
    Path dir;

    /**
     * The replicator's side: its proof, signed with {@code key} when the leader first reads it,
     * by which time the leader's challenge is in {@code sent}.
     */
    private static InputStream proofFor(ByteArrayOutputStream sent, PrivateKey key) {
        return new InputStream() {
            private InputStream proof;

            @Override
            public int read() throws IOException {
                if (proof == null) {
                    ReplicationFrame challenge = ReplicationFrame.parseDelimitedFrom(
                            new ByteArrayInputStream(sent.toByteArray()));
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    try {
                        ClientAuth.newBuilder().setSignature(ByteString.copyFrom(ClientAuthentication.sign(
                                challenge.getChallenge().getNonce().toByteArray(), key))).build().writeDelimitedTo(bytes);
                    } catch (GeneralSecurityException e) {
                        throw new IOException(e);
                    }
                    proof = new ByteArrayInputStream(bytes.toByteArray());
                }
                return proof.read();
            }
        };
    }

    private static ClientAuth hello(X509Certificate certificate) throws GeneralSecurityException {
        return ClientAuth.newBuilder().addCertificateChain(ByteString.copyFrom(certificate.getEncoded())).build();
    }

    @Test
    void theLeaderCountsAProvenClientInBeforeItTellsIt() throws Exception {
        TlsMaterial identity = TlsMaterial.devCertificate(dir.resolve("client"));
        X509Certificate certificate = identity.certificateChain().getFirst();
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        AtomicInteger sentWhenAccepted = new AtomicInteger(-1);

        assertTrue(ClientAuthentication.serve(hello(certificate), proofFor(sent, identity.privateKey()), sent,
                List.of(certificate), () -> sentWhenAccepted.set(sent.size())));

        ByteArrayInputStream frames = new ByteArrayInputStream(sent.toByteArray());
        assertTrue(ReplicationFrame.parseDelimitedFrom(frames).hasChallenge());
        int challengeBytes = sent.size() - frames.available();
        assertTrue(ReplicationFrame.parseDelimitedFrom(frames).getAuthenticated());
        // the client opens its next stream as soon as it reads the answer: it must find itself counted in
        assertEquals(challengeBytes, sentWhenAccepted.get(), "accepted before the answer was written");
    }

    @Test
    void aProofByAnotherKeyIsRefusedAndNeverCountedIn() throws Exception {
        X509Certificate certificate = TlsMaterial.devCertificate(dir.resolve("client")).certificateChain().getFirst();
        PrivateKey otherKey = TlsMaterial.devCertificate(dir.resolve("other")).privateKey();
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        AtomicInteger accepted = new AtomicInteger();

        assertFalse(ClientAuthentication.serve(hello(certificate), proofFor(sent, otherKey), sent,
                List.of(certificate), accepted::incrementAndGet));

        ByteArrayInputStream frames = new ByteArrayInputStream(sent.toByteArray());
        ReplicationFrame.parseDelimitedFrom(frames);
        assertEquals("UNAUTHENTICATED", ReplicationFrame.parseDelimitedFrom(frames).getError().getCode());
        assertEquals(0, accepted.get());
    }
}
