package io.stoq.fragmint.route;

import io.stoq.fragmint.port.ApiException;
import java.io.IOException;

/** The code behind one route. Runs on a worker thread; may block. */
@FunctionalInterface
public interface Handler {
    Reply handle(Exchange exchange) throws ApiException, IOException;
}
