package lambdalake.stack;

import java.io.Closeable;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.rest.RESTCatalogAdapter;
import org.apache.iceberg.rest.RESTCatalogServlet;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;

/**
 * Iceberg's reference REST catalog, listening on one address instead of all of them.
 *
 * <p>Why it exists: org.apache.iceberg.rest.RESTCatalogServer (iceberg-open-api 1.10.1) builds its
 * Jetty server from a port alone, so it binds every interface and has no setting to change that;
 * the catalog has no authentication, so anyone who could reach the machine could create, drop or
 * rewrite tables (lambdalake issue 21). This launcher builds the same backend catalog from the same
 * CATALOG_* environment and serves it through the same RESTCatalogServlet, on a connector bound to
 * CATALOG_REST_HOST (default 127.0.0.1) and CATALOG_REST_PORT.
 *
 * <p>Differences from the reference server, on purpose: a missing warehouse is an error (the
 * reference falls back to a temporary folder, which silently loses tables); the port is not opened
 * with SO_REUSEPORT (a second server on the same port must fail to start, not share it); the catalog
 * properties are not logged (they hold the JDBC password). Not carried over: the reference adapter's
 * optional `include-credentials` vending, whose hook (RESTCatalogAdapter.Route) is package-private.
 *
 * <p>Compiled by `lambdalake stack up` with the JDK's javac against the iceberg-open-api jar.
 */
public final class HostBoundCatalogServer {
  private static final String ENV_PREFIX = "CATALOG_";
  private static final String HOST = "rest.host";
  private static final String PORT = "rest.port";

  private HostBoundCatalogServer() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> properties = propertiesFromEnvironment(System.getenv());
    String host = properties.getOrDefault(HOST, "127.0.0.1");
    int port = Integer.parseInt(properties.getOrDefault(PORT, "8181"));
    Map<String, String> catalogProperties = catalogProperties(properties);

    Catalog catalog =
        CatalogUtil.buildIcebergCatalog(
            catalogProperties.getOrDefault("catalog.name", "rest_backend"),
            catalogProperties,
            new Configuration());
    Server server = httpServer(new RESTCatalogServlet(new RESTCatalogAdapter(catalog)), host, port);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server, catalog), "catalog-stop"));
    server.start();
    System.out.printf(
        "Iceberg REST catalog (%s) listening on %s:%d, warehouse %s%n",
        catalog.getClass().getSimpleName(),
        host,
        port,
        catalogProperties.get(CatalogProperties.WAREHOUSE_LOCATION));
    server.join();
  }

  /** CATALOG_<KEY> variables as properties: prefix dropped, `__` to `-`, `_` to `.`, lowercased. */
  static Map<String, String> propertiesFromEnvironment(Map<String, String> env) {
    Map<String, String> properties = new HashMap<>();
    for (Map.Entry<String, String> entry : env.entrySet()) {
      String name = entry.getKey();
      if (!name.startsWith(ENV_PREFIX)) continue;
      String key =
          name.substring(ENV_PREFIX.length())
              .replace("__", "-")
              .replace('_', '.')
              .toLowerCase(Locale.ROOT);
      properties.put(key, entry.getValue());
    }
    return properties;
  }

  /** The backend catalog's properties, with the reference server's defaults (JDBC, schema V1 for views). */
  static Map<String, String> catalogProperties(Map<String, String> properties) {
    Map<String, String> catalog = new HashMap<>(properties);
    catalog.remove(HOST);
    catalog.remove(PORT);
    catalog.putIfAbsent(CatalogProperties.CATALOG_IMPL, JdbcCatalog.class.getName());
    catalog.putIfAbsent(CatalogProperties.URI, "jdbc:sqlite::memory:");
    catalog.putIfAbsent("jdbc.schema-version", "V1");
    if (catalog.get(CatalogProperties.WAREHOUSE_LOCATION) == null) {
      throw new IllegalArgumentException(
          "CATALOG_WAREHOUSE is not set: the catalog needs a warehouse location");
    }
    return catalog;
  }

  private static Server httpServer(RESTCatalogServlet servlet, String host, int port) {
    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.addServlet(new ServletHolder(servlet), "/*");
    context.insertHandler(new GzipHandler());
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    server.setHandler(context);
    return server;
  }

  private static void stop(Server server, Catalog catalog) {
    try {
      server.stop();
    } catch (Exception e) {
      System.err.println("stopping the HTTP server failed: " + e);
    }
    if (catalog instanceof Closeable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        System.err.println("closing the catalog failed: " + e);
      }
    }
  }
}
