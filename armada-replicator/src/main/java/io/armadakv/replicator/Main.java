package io.armadakv.replicator;

import io.armadakv.node.config.ConfigException;
import io.armadakv.node.config.ConfigLayers;
import io.armadakv.replicator.quic.LeaderConnection;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** {@code armada replicator [--key=value ...]}: one replicator of a follower location. */
public final class Main {

    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        configureLogging();
        ReplicatorConfig config;
        try {
            Config mp = buildConfig(List.of(args));
            config = ReplicatorConfig.from(mp);
            io.armadakv.node.logging.LogSetup.read(mp).apply();
        } catch (ConfigException e) {
            System.err.println("armada replicator: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (config.insecureSkipVerify()) {
            LOG.warning("replication.insecure-skip-verify=true: the leader's certificate is not verified "
                    + "(development only)");
        }
        LeaderConnection leader;
        Replicator replicator;
        try {
            leader = LeaderConnections.open(config);
        } catch (ConfigException e) {
            System.err.println("armada replicator: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            replicator = new Replicator(config, leader);
        } catch (ConfigException e) {
            System.err.println("armada replicator: configuration error: " + e.getMessage());
            leader.close();
            System.exit(2);
            return;
        }
        MetricsEndpoint http;
        try {
            http = MetricsEndpoint.start(config.rest(), replicator::scrapeMetrics);
        } catch (java.io.IOException e) {
            System.err.println("armada replicator: start-up failed: " + e.getMessage());
            replicator.close();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("replicator " + config.id() + " stopping");
            replicator.close();
            http.close();
            stopped.countDown();
        }, "armada-replicator-shutdown"));
        replicator.start();
        LOG.info("replicator " + config.id() + " replicating from " + config.leaderAddresses().stream()
                .map(e -> e.hostPort()).toList() + " into " + config.followerAddresses().stream()
                .map(e -> e.url()).toList() + ", metrics on " + config.rest().url());
        stopped.await();
    }

    /** Files, environment and flags layered as {@link ConfigLayers} describes, with the replicator's keys. */
    static Config buildConfig(List<String> flags) {
        ConfigSource[] layers = ConfigLayers.replicator(System.getenv(), Path.of("").toAbsolutePath())
                .sources(flags).toArray(ConfigSource[]::new);
        ConfigProviderResolver resolver = ConfigProviderResolver.instance();
        return resolver.getBuilder().addDefaultSources().addDiscoveredConverters().withSources(layers).build();
    }

    private static void configureLogging() {
        try (InputStream in = Main.class.getResourceAsStream("/replicator-logging.properties")) {
            if (in != null && System.getProperty("java.util.logging.config.file") == null) {
                LogManager.getLogManager().readConfiguration(in);
            }
        } catch (IOException e) {
            System.err.println("armada replicator: cannot read its logging configuration: " + e.getMessage());
        }
    }
}
