// Runs DynamoDB Local with its HTTP server bound to 127.0.0.1. DynamoDB Local has no bind-address
// option and listens on all interfaces; its server is built here exactly as its own main builds it
// (same command line), and the one Jetty connector is told the loopback host before it starts.
//
// usage: javac -cp DynamoDBLocal.jar:DynamoDBLocal_lib/* -d <dir> LoopbackDynamoDbLocal.java, then
//        java -cp DynamoDBLocal.jar:DynamoDBLocal_lib/*:<dir> LoopbackDynamoDbLocal <DynamoDB Local options>
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    int bound = 0;
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof ServerConnector) {
        ((ServerConnector) connector).setHost("127.0.0.1");
        bound++;
      }
    }
    if (bound == 0) {
      throw new IllegalStateException("DynamoDB Local has no connector to bind to 127.0.0.1");
    }
    proxy.start();
    proxy.join();
  }
}
