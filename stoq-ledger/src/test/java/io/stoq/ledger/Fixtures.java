package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Builds small real ledgers and copies or deletes their directories. */
final class Fixtures {
    private Fixtures() {}

    /** A ledger of genesis plus six blocks touching every common tx type; returns the member keys. */
    static List<SigningKey> buildSample(TestNetwork net, Ledger ledger) throws Exception {
        net.genesis(ledger);
        List<SigningKey> members = List.of(TestNetwork.newKey(), TestNetwork.newKey(), TestNetwork.newKey());
        List<Transaction> block = new ArrayList<>();
        for (SigningKey m : members) {
            block.add(net.tx(net.admin, net.register(m)));
        }
        commit(net, ledger, block);
        Hash256 a1 = TestNetwork.assetId(1);
        Hash256 a2 = TestNetwork.assetId(2);
        commit(net, ledger, List.of(net.tx(members.get(0), TestNetwork.create(a1, 1000, AssetPolicy.ANY_HOLDER)),
                net.tx(members.get(1), TestNetwork.create(a2, 10, AssetPolicy.CREATOR_ONLY))));
        commit(net, ledger, List.of(net.tx(members.get(0), new TxBody.TokenTransfer(a1, TestNetwork.id(members.get(1)), 300)),
                net.tx(members.get(1), new TxBody.TokenTransfer(a1, TestNetwork.id(members.get(2)), 100)),
                net.tx(members.get(1), new TxBody.AssetUpdate(a2, 2, a1, new byte[] {7}))));
        commit(net, ledger, List.of(net.tx(net.admin, new TxBody.ConfigChange("replicas", "3")),
                net.tx(members.get(2), new TxBody.AssetUpdate(a1, 2, a2, new byte[0]))));
        commit(net, ledger, List.of(net.tx(members.get(1), new TxBody.AssetDelete(a2, "retired"))));
        commit(net, ledger, List.of(net.tx(members.get(2), new TxBody.TokenTransfer(a1, TestNetwork.id(members.get(0)), 50))));
        return members;
    }

    static void commit(TestNetwork net, Ledger ledger, List<Transaction> txs) throws Exception {
        Ledger.CommitResult r = ledger.commit(txs, TestNetwork.T0.plusSeconds(60 * (ledger.height() + 1)), net.admin);
        assertThat(r.rejected()).as("rejections").isEmpty();
    }

    static void copyTree(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
