package io.stoq.node.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.fragmint.port.Role;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The S3 keys in an account's network record: a record without them stays version 1 (what nodes
 * from before read), one with them round-trips as version 2, and a revoked key keeps its id but
 * drops its sealed secret.
 */
@Timeout(30)
class AccountRecordS3KeysTest {
    private static final Instant T = Instant.ofEpochMilli(1_700_000_000_000L);

    private static AccountRecord plain() {
        return new AccountRecord(Role.WRITER, "Alice", T, List.of(), new byte[0], new byte[] {1, 2}, new byte[] {3, 4});
    }

    @Test
    void aRecordWithoutS3KeysIsStillVersionOne() throws Exception {
        byte[] bytes = plain().encode("alice");
        assertThat(bytes[0]).isEqualTo((byte) 1);
        assertThat(AccountRecord.decode("alice", bytes).s3Keys()).isEmpty();
    }

    @Test
    void s3KeysRoundTripAndARevokedKeyDropsItsSecret() throws Exception {
        AccountRecord.S3KeyEntry live = new AccountRecord.S3KeyEntry("STOQAAAAAAAAAAAAAAAA", T, false, new byte[] {9, 8, 7});
        AccountRecord.S3KeyEntry gone = new AccountRecord.S3KeyEntry("STOQBBBBBBBBBBBBBBBB", T, false, new byte[] {6, 5}).asRevoked();
        byte[] bytes = plain().withS3Keys(List.of(live, gone)).encode("alice");
        assertThat(bytes[0]).isEqualTo((byte) 2);
        AccountRecord back = AccountRecord.decode("alice", bytes);
        assertThat(back.s3Keys()).hasSize(2);
        assertThat(back.s3Keys().get(0).accessKeyId()).isEqualTo(live.accessKeyId());
        assertThat(back.s3Keys().get(0).sealedSecret()).containsExactly(9, 8, 7);
        assertThat(back.s3Keys().get(1).revoked()).isTrue();
        assertThat(back.s3Keys().get(1).sealedSecret()).isEmpty();
        assertThat(back.withRole(Role.READER).s3Keys()).as("kept by the other withers").hasSize(2);
    }
}
