package io.armadakv.node.api;

import io.armadakv.node.replication.TestPki;
import io.armadakv.node.tls.PemFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The CN and the DNS names api.allowed-cn and api.allowed-hostname compare, read from real certificates. */
class ClientCertificateCheckTest {

    @TempDir
    Path dir;

    @Test
    void readsTheSubjectCnAndTheDnsNames() throws Exception {
        TestPki pki = TestPki.create(dir);
        X509Certificate client = PemFiles.certificates(pki.clientCertPem()).getFirst();
        assertEquals("replicator", ClientCertificateCheck.commonName(client));
        assertEquals(List.of("replicator.armada.test"), ClientCertificateCheck.dnsNames(client));
        X509Certificate ca = PemFiles.certificates(pki.caPem()).getFirst();
        assertEquals("Armada Test CA", ClientCertificateCheck.commonName(ca));
        assertEquals(List.of(), ClientCertificateCheck.dnsNames(ca));
        assertEquals("no client certificate", new ClientCertificateCheck("replicator", "").refusal(null));
    }
}
