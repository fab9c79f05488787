package io.stoq.fragmint;

import io.stoq.fragmint.http.ApiServerConfig;
import java.time.Duration;

/**
 * Manual testing before stoq-node exists: starts the API over the in-memory test double on
 * 127.0.0.1 (ports from args, default 0 = ephemeral), prints the base URL and one API key per role,
 * and runs until killed or for the given number of seconds.
 */
public final class DevServerMain {
    private DevServerMain() {}

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : Long.MAX_VALUE / 1000;
        try (TestServer t = new TestServer(ApiServerConfig.defaults().withPorts(port, 0))) {
            System.out.println(t.server.baseUri());
            System.out.println("http3 udp " + t.server.http3Port());
            t.keys.forEach((account, key) -> System.out.println(account + " " + key));
            System.out.flush();
            Thread.sleep(Duration.ofSeconds(seconds).toMillis());
        }
    }
}
