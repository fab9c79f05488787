package io.stoq.fragmint.route;

import io.stoq.fragmint.auth.AccessControl;
import io.stoq.fragmint.port.NodePorts;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Assembles the complete FragMint route table from the node's ports. The same table drives the
 * router and the OpenAPI document.
 */
public final class Api {
    private Api() {}

    /**
     * Every route of the API.
     *
     * @param openApi supplies the rendered OpenAPI document (it is generated from this table, so
     *     it is passed lazily)
     * @param metrics supplies the Prometheus scrape text
     */
    public static RouteTable routes(NodePorts ports, AccessControl access, Clock clock,
            Supplier<byte[]> openApi, Supplier<String> metrics) {
        List<Route> all = new ArrayList<>();
        all.addAll(new SystemRoutes(ports.health(), openApi, metrics).routes());
        all.addAll(new AssetRoutes(ports.assets(), ports.accounts()).routes());
        all.addAll(new AccountRoutes(ports.accounts(), ports.s3Keys(), access, clock).routes());
        all.addAll(new LedgerRoutes(ports.tokens(), ports.ledger(), ports.accounts(), ports.audit()).routes());
        return new RouteTable(all);
    }
}
