package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.block.ChainFormat;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Role;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.tx.TxType;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CodecTest {
    static final NetworkId NET = NetworkId.of("codec", new byte[] {1});
    static SigningKey key;

    @BeforeAll
    static void keys() throws Exception {
        key = TestNetwork.newKey();
    }

    static List<TxBody> everyBody() {
        Hash256 a = TestNetwork.assetId(1);
        Hash256 h = Sha3.hash(new byte[] {9});
        return List.of(
                new TxBody.Genesis("net", List.of(new byte[] {1, 2}), new byte[] {3}),
                new TxBody.AccountRegister(new byte[] {4, 5}, Role.MEMBER),
                new TxBody.AssetCreate(a, "name \u00e9", h, new byte[] {6}, 1000, AssetPolicy.MAJORITY_HOLDER),
                new TxBody.AssetUpdate(a, 2, h, new byte[0]),
                new TxBody.TokenTransfer(a, h, 17),
                new TxBody.AssetDelete(a, "gone"),
                new TxBody.NodeRegister(List.of(new byte[] {7}, new byte[] {8})),
                new TxBody.NodeRevoke("node-1", "lost"),
                new TxBody.LocationProof(a, 1, "node-1", List.of(h, a)),
                new TxBody.KeyEpoch(1, "ml-kem-768.v1", new byte[] {9}, List.of(new TxBody.NodeShare("node-1", new byte[] {10}))),
                new TxBody.ConfigChange("replicas", "3"),
                new TxBody.CrossNetworkAnchor("other", 5, h, a),
                new TxBody.ReadGrant(a, h),
                new TxBody.ReadRevoke(a, h),
                new TxBody.AssetVersionDelete(a, 2, "superseded"),
                new TxBody.AccountRecord("alice", 1, new byte[] {1, 2, 3}),
                new TxBody.KeyRewrap(Hash256.of(new byte[32]), 2, List.of(new TxBody.VersionWrap(1, Hash256.of(new byte[32]), "ML-KEM-768",
                        new byte[] {4, 5}, new byte[] {6}))),
                new TxBody.BucketCreate("photos"),
                new TxBody.BucketDelete("photos"),
                new TxBody.NameBind("photos", "a/b c.jpg".getBytes(java.nio.charset.StandardCharsets.UTF_8), a, 1, new byte[] {1}),
                new TxBody.KeyShare(List.of(new byte[] {7}, new byte[] {8}), new byte[] {11, 12},
                        List.of(new TxBody.EpochShareOf(1, new byte[] {13}), new TxBody.EpochShareOf(2, new byte[] {14}))));
    }

    @Test
    void everyTxTypeRoundTripsAndKeepsItsSignature() throws Exception {
        Set<TxType> seen = EnumSet.noneOf(TxType.class);
        long nonce = 1;
        for (TxBody body : everyBody()) {
            Transaction tx = Transaction.sign(NET, key, nonce++, body);
            Transaction back = Transaction.decode(tx.encoded());
            assertThat(back).isEqualTo(tx);
            assertThat(back.encoded()).isEqualTo(tx.encoded());
            assertThat(back.id()).isEqualTo(tx.id());
            assertThat(back.type()).isEqualTo(body.type());
            assertThat(back.signatureValid(NET)).isTrue();
            assertThat(back.encodingLeafHash()).isEqualTo(io.stoq.crypto.merkle.MerkleHash.leaf(tx.encoded())).isEqualTo(tx.encodingLeafHash());
            seen.add(back.type());
        }
        assertThat(seen).containsExactlyInAnyOrder(TxType.values());
    }

    @Test
    void truncationTrailingBytesAndUnknownCodesAreMalformed() throws Exception {
        byte[] good = Transaction.sign(NET, key, 1, everyBody().get(4)).encoded();
        assertMalformed(Arrays.copyOf(good, good.length - 1));
        assertMalformed(Arrays.copyOf(good, good.length + 1));
        byte[] badVersion = good.clone();
        badVersion[0] = 1; // before signatures named the network
        assertMalformed(badVersion);
        byte[] badType = good.clone();
        badType[1] = 99;
        assertMalformed(badType);
        byte[] badAlg = good.clone();
        badAlg[2] = 77;
        assertMalformed(badAlg);
        assertMalformed(new byte[0]);
        assertMalformed(new byte[300 * 1024]);
    }

    @Test
    void anyFlippedByteIsMalformedOrBreaksTheSignature() throws Exception {
        Transaction tx = Transaction.sign(NET, key, 1, everyBody().get(2));
        byte[] good = tx.encoded();
        Random random = new Random(42);
        for (int i = 0; i < 200; i++) {
            byte[] bad = good.clone();
            int at = random.nextInt(bad.length);
            bad[at] ^= (byte) (1 << random.nextInt(8));
            try {
                Transaction decoded = Transaction.decode(bad);
                assertThat(decoded.signatureValid(NET)).as("flip at %d", at).isFalse();
            } catch (LedgerException e) {
                assertThat(e.code()).isEqualTo(LedgerErrorCode.MALFORMED);
            }
        }
    }

    @Test
    void headerRoundTripsAndChecksItsSignature() throws Exception {
        BlockHeader h = BlockHeader.sign(NET, ChainFormat.CURRENT, 3, Sha3.hash(new byte[] {1}), Sha3.hash(new byte[] {2}), Sha3.hash(new byte[] {3}),
                TestNetwork.T0, 7, key);
        BlockHeader back = BlockHeader.decode(h.encode());
        assertThat(back.hash()).isEqualTo(h.hash());
        assertThat(back.signatureValid(NET)).isTrue();
        byte[] bad = h.encode();
        bad[5] ^= 1; // inside the height
        assertThat(BlockHeader.decode(bad).signatureValid(NET)).isFalse();
    }

    private static void assertMalformed(byte[] bytes) {
        assertThatThrownBy(() -> Transaction.decode(bytes)).isInstanceOfSatisfying(LedgerException.class,
                e -> assertThat(e.code()).isEqualTo(LedgerErrorCode.MALFORMED));
    }

    @Test
    void unknownSignatureAlgorithmCodesAreMalformed() throws Exception {
        byte[] tx = Transaction.sign(NET, key, 1, new TxBody.ConfigChange("replicas", "3")).encoded();
        tx[2] = 99; // u8 version | u8 type | u8 algorithm
        assertThatThrownBy(() -> Transaction.decode(tx)).isInstanceOfSatisfying(LedgerException.class, e -> {
            assertThat(e.code()).isEqualTo(LedgerErrorCode.MALFORMED);
            assertThat(e.getMessage()).contains("unknown signature algorithm code 99");
        });
        Hash256 h = Sha3.hash(new byte[] {1});
        byte[] header = BlockHeader.sign(NET, ChainFormat.CURRENT, 3, h, h, h, java.time.Instant.ofEpochMilli(5), 1, key).encode();
        header[1 + 8 + 3 * Hash256.LENGTH + 8 + 4] = 99; // after version, height, 3 hashes, time, tx count
        assertThatThrownBy(() -> BlockHeader.decode(header)).isInstanceOfSatisfying(LedgerException.class, e -> {
            assertThat(e.code()).isEqualTo(LedgerErrorCode.MALFORMED);
            assertThat(e.getMessage()).contains("unknown proposer algorithm 99");
        });
    }
}
