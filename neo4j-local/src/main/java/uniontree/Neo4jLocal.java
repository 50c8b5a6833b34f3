package uniontree;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.io.ByteUnit;

/**
 * A local Neo4j Community server for development and tests: the DBMS embedded in this JVM, its
 * Bolt connector on 127.0.0.1:PORT, authentication on (user neo4j, a generated password kept in
 * DATA_DIR/password, mode 0600), stopped cleanly on SIGTERM.
 *
 * <p>Usage: {@code java -cp ... uniontree.Neo4jLocal PORT DATA_DIR [PAGE_CACHE]}. Prints
 * {@code NEO4J READY bolt://127.0.0.1:PORT} once Bolt accepts connections, and
 * {@code NEO4J STOPPED} after a clean shutdown.
 */
public final class Neo4jLocal {
    private Neo4jLocal() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: Neo4jLocal PORT DATA_DIR [PAGE_CACHE e.g. 256m]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path home = Path.of(args[1]).toAbsolutePath();
        String pageCache = args.length > 2 ? args[2] : "256m";
        Files.createDirectories(home);
        String password = password(home.resolve("password"));

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.parse(pageCache))
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(10))
                .setConfig(GraphDatabaseSettings.lock_acquisition_timeout, Duration.ofSeconds(60))
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(64))
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "false")
                .setConfig(GraphDatabaseSettings.track_query_cpu_time, false)
                // one transaction may take at most a quarter of the heap and fails alone;
                // no pool-wide cap (its default, 70% of the heap, was found filled and kept
                // refusing every later transaction after a large delete in the test suite)
                .setConfig(GraphDatabaseSettings.memory_transaction_global_max_size, 0L)
                .setConfig(GraphDatabaseSettings.memory_transaction_max_size,
                        Runtime.getRuntime().maxMemory() / 4)
                // a local server stops in about a second instead of ten (Bolt's graceful waits)
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time,
                        Duration.ofSeconds(1))
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time,
                        Duration.ofSeconds(1))
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout,
                        Duration.ofSeconds(2))
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dbms.shutdown();
            System.out.println("NEO4J STOPPED");
            System.out.flush();
        }, "neo4j-local-shutdown"));

        // Embedded transactions bypass authentication: set the password of user neo4j to the
        // file's (every start, so a lost or edited file and the server agree again).
        try {
            setPassword(dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME), password);
            dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME)
                    .executeTransactionally("RETURN 1");
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.out.println("NEO4J FAILED " + e.getMessage());
            System.exit(1); // the shutdown hook stops the DBMS
        }

        System.out.println("NEO4J READY bolt://127.0.0.1:" + port + " password-file "
                + home.resolve("password"));
        System.out.flush();
        Thread.currentThread().join();
    }

    /** Sets user neo4j's password (a restart finds it already set: nothing to change). */
    private static void setPassword(GraphDatabaseService system, String password) {
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        } catch (QueryExecutionException e) {
            if (!String.valueOf(e.getMessage()).contains("cannot be the same")) {
                throw e;
            }
        }
    }

    /** The password in {@code file}, or a new random one written there with mode 0600. */
    private static String password(Path file) throws IOException {
        if (Files.exists(file)) {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (text.length() >= 8) {
                return text;
            }
        }
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, password + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE);
        return password;
    }
}
