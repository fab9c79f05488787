/** One ledger through Apache Ratis; see docs/network.md, "One ledger through Raft". */
package io.stoq.consensus;
