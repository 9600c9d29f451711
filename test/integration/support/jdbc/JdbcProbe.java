import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.Properties;

/**
 * What a JDBC tool (DBeaver, a BI server) does first against the serving endpoint, with the real
 * PostgreSQL JDBC driver: connect with SCRAM, list tables and views through DatabaseMetaData, list
 * a view's columns, then run a query with a bound parameter ten times on one prepared statement
 * (from the fifth execution the driver switches to a server-side statement and binary results, as
 * Metabase, DBeaver and Tableau do), then a query with a java.sql.Date parameter. Prints
 * tab-separated lines the test reads: "table", "column", "row" (with the run number) and "date"
 * records; any failure exits 1 with the driver's message.
 *
 * Usage: java -cp postgresql.jar JdbcProbe.java <jdbc-url> <user> <password> <schema> <view> <sql> <param> <date-sql> <date>
 */
public class JdbcProbe {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.setProperty("user", args[1]);
    props.setProperty("password", args[2]);
    props.setProperty("sslmode", "disable");
    try (Connection connection = DriverManager.getConnection(args[0], props)) {
      DatabaseMetaData meta = connection.getMetaData();
      System.out.println("server\t" + meta.getDatabaseProductName() + "\t" + meta.getDatabaseProductVersion());
      try (ResultSet tables = meta.getTables(null, args[3], "%", new String[] {"TABLE", "VIEW"})) {
        while (tables.next())
          System.out.println("table\t" + tables.getString("TABLE_SCHEM") + "\t" + tables.getString("TABLE_NAME") + "\t" + tables.getString("TABLE_TYPE"));
      }
      try (ResultSet columns = meta.getColumns(null, args[3], args[4], "%")) {
        while (columns.next())
          System.out.println("column\t" + columns.getString("COLUMN_NAME") + "\t" + columns.getString("TYPE_NAME"));
      }
      try (PreparedStatement statement = connection.prepareStatement(args[5])) {
        for (int run = 1; run <= 10; run++) {
          statement.setString(1, args[6]);
          try (ResultSet rows = statement.executeQuery()) {
            ResultSetMetaData shape = rows.getMetaData();
            while (rows.next()) {
              StringBuilder line = new StringBuilder("row\t" + run);
              for (int i = 1; i <= shape.getColumnCount(); i++) line.append('\t').append(rows.getString(i));
              System.out.println(line);
            }
          }
        }
      }
      try (PreparedStatement statement = connection.prepareStatement(args[7])) {
        statement.setDate(1, java.sql.Date.valueOf(args[8]));
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) System.out.println("date\t" + rows.getString(1));
        }
      }
    }
  }
}
