package lambdalake.stack;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
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
import org.apache.iceberg.rest.responses.ConfigResponse;
import org.apache.iceberg.rest.responses.ConfigResponseParser;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.eclipse.jetty.servlet.FilterHolder;
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
 * <p>CATALOG_REST_CLIENT__DEFAULTS (a comma-separated list of catalog property names) makes GET
 * /v1/config answer those properties as client defaults, as cloud REST catalogs do for their
 * storage: a client configured with only the catalog's URI (Flink's Iceberg catalog, as the control
 * plane declares it) then reads and writes the warehouse with the same FileIO and S3 settings.
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
  private static final String CLIENT_DEFAULTS = "rest.client-defaults";

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
    Map<String, String> clientDefaults = clientDefaults(properties, catalogProperties);
    Server server =
        httpServer(
            new RESTCatalogServlet(new RESTCatalogAdapter(catalog)), clientDefaults, host, port);
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
    catalog.remove(CLIENT_DEFAULTS);
    catalog.putIfAbsent(CatalogProperties.CATALOG_IMPL, JdbcCatalog.class.getName());
    catalog.putIfAbsent(CatalogProperties.URI, "jdbc:sqlite::memory:");
    catalog.putIfAbsent("jdbc.schema-version", "V1");
    if (catalog.get(CatalogProperties.WAREHOUSE_LOCATION) == null) {
      throw new IllegalArgumentException(
          "CATALOG_WAREHOUSE is not set: the catalog needs a warehouse location");
    }
    return catalog;
  }

  /** The catalog properties named by rest.client-defaults, with their values. */
  static Map<String, String> clientDefaults(
      Map<String, String> properties, Map<String, String> catalogProperties) {
    Map<String, String> defaults = new HashMap<>();
    String names = properties.getOrDefault(CLIENT_DEFAULTS, "");
    for (String name : names.split(",")) {
      String key = name.trim();
      if (key.isEmpty()) continue;
      String value = catalogProperties.get(key);
      if (value == null) {
        throw new IllegalArgumentException(
            CLIENT_DEFAULTS + " names " + key + ", which is not a catalog property");
      }
      defaults.put(key, value);
    }
    return defaults;
  }

  private static Server httpServer(
      RESTCatalogServlet servlet, Map<String, String> clientDefaults, String host, int port) {
    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.addServlet(new ServletHolder(servlet), "/*");
    if (!clientDefaults.isEmpty()) {
      context.addFilter(
          new FilterHolder(new ClientDefaultsFilter(clientDefaults)),
          "/v1/config",
          EnumSet.of(DispatcherType.REQUEST));
    }
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

  /**
   * Adds client defaults to the servlet's own /v1/config answer (its endpoints and overrides kept):
   * RESTCatalogAdapter builds that answer inside a package-private route, so it is amended here.
   */
  private static final class ClientDefaultsFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;

    private final Map<String, String> defaults;

    ClientDefaultsFilter(Map<String, String> defaults) {
      this.defaults = Map.copyOf(defaults);
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      CapturedResponse captured = new CapturedResponse(response);
      chain.doFilter(request, captured);
      byte[] body = captured.body();
      if (captured.getStatus() == HttpServletResponse.SC_OK) {
        ConfigResponse served = ConfigResponseParser.fromJson(new String(body, StandardCharsets.UTF_8));
        Map<String, String> merged = new HashMap<>(defaults);
        merged.putAll(served.defaults());
        ConfigResponse amended =
            ConfigResponse.builder()
                .withDefaults(merged)
                .withOverrides(served.overrides())
                .withEndpoints(served.endpoints())
                .build();
        body = ConfigResponseParser.toJson(amended).getBytes(StandardCharsets.UTF_8);
      }
      response.setContentLength(body.length);
      response.getOutputStream().write(body);
    }
  }

  /** Keeps what the servlet writes (headers and status pass through), so it can be rewritten. */
  private static final class CapturedResponse extends HttpServletResponseWrapper {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private PrintWriter writer;
    private final ServletOutputStream stream =
        new ServletOutputStream() {
          @Override
          public boolean isReady() {
            return true;
          }

          @Override
          public void setWriteListener(WriteListener listener) {}

          @Override
          public void write(int b) {
            buffer.write(b);
          }
        };

    CapturedResponse(HttpServletResponse response) {
      super(response);
    }

    @Override
    public ServletOutputStream getOutputStream() {
      return stream;
    }

    @Override
    public PrintWriter getWriter() {
      if (writer == null) {
        writer = new PrintWriter(new OutputStreamWriter(buffer, StandardCharsets.UTF_8));
      }
      return writer;
    }

    @Override
    public void setContentLength(int length) {}

    @Override
    public void setContentLengthLong(long length) {}

    @Override
    public void flushBuffer() {
      if (writer != null) writer.flush();
    }

    byte[] body() {
      if (writer != null) writer.flush();
      return buffer.toByteArray();
    }
  }
}
