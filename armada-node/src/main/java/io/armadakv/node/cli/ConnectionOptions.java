package io.armadakv.node.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where the node is and how to reach it: shared by backup and restore. */
final class ConnectionOptions {

    @Option(names = "--address", required = true, paramLabel = "URL",
            description = "API address of a leader-cluster node: http://host:port, https://host:port or host:port")
    String address;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "",
            description = "maintenance.token of the cluster; sent only over TLS or to a loopback address")
    String token;

    @Option(names = "--ca", paramLabel = "FILE",
            description = "PEM CA certificate(s) the node's certificate chains to; implies TLS")
    Path ca;

    @Option(names = "--cert", paramLabel = "FILE",
            description = "PEM client certificate (chain) for a node with api.client-cert-auth; needs --key")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "PEM private key of --cert")
    Path key;

    ApiConnection open() throws CliException, UsageException {
        if ((cert == null) != (key == null)) {
            throw new UsageException("--cert and --key go together: a client certificate needs its key");
        }
        return ApiConnection.open(address, token, ca, cert, key);
    }
}
