package io.armadakv.node.api;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * api.allowed-cn and api.allowed-hostname: the TLS handshake already proved that the client's
 * certificate chains to api.ca-filename; this admits only the certificate naming the allowed
 * client. Anything else is UNAUTHENTICATED with a message naming the rule.
 */
public final class ClientCertificateCheck implements ServerInterceptor {

    private static final int DNS_NAME = 2;

    private final String allowedCn;
    private final String allowedHostname;

    /** Empty strings allow any value. */
    public ClientCertificateCheck(String allowedCn, String allowedHostname) {
        this.allowedCn = Objects.requireNonNull(allowedCn);
        this.allowedHostname = Objects.requireNonNull(allowedHostname);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        String refusal = refusal(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (refusal != null) {
            call.close(Status.UNAUTHENTICATED.withDescription(refusal), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return next.startCall(call, headers);
    }

    /** Why the session's client certificate is not let in, or null when it is. */
    String refusal(SSLSession session) {
        X509Certificate leaf;
        try {
            Certificate[] chain = session == null ? null : session.getPeerCertificates();
            if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate x509)) {
                return "no client certificate";
            }
            leaf = x509;
        } catch (SSLPeerUnverifiedException e) {
            return "no client certificate";
        }
        if (!allowedCn.isEmpty()) {
            String cn = commonName(leaf);
            if (!allowedCn.equals(cn)) {
                return "client certificate CN '" + cn + "' is not the one api.allowed-cn allows";
            }
        }
        if (!allowedHostname.isEmpty() && !dnsNames(leaf).contains(allowedHostname.toLowerCase())) {
            return "client certificate does not name the host api.allowed-hostname allows among its DNS names";
        }
        return null;
    }

    static String commonName(X509Certificate certificate) {
        try {
            List<Rdn> rdns = new LdapName(certificate.getSubjectX500Principal().getName()).getRdns();
            // the most specific CN: LdapName lists RDNs from the least specific
            for (int i = rdns.size() - 1; i >= 0; i--) {
                if (rdns.get(i).getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdns.get(i).getValue());
                }
            }
        } catch (InvalidNameException e) {
            return "";
        }
        return "";
    }

    static List<String> dnsNames(X509Certificate certificate) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names == null) {
                return List.of();
            }
            return names.stream().filter(n -> n.size() >= 2 && Integer.valueOf(DNS_NAME).equals(n.get(0)))
                    .map(n -> String.valueOf(n.get(1)).toLowerCase()).toList();
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }
}
