package io.stoq.fragmint.testnode;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.S3KeyStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** TEST DOUBLE of stoq-node's sealed S3 key store: keys in memory (the node seals the secret). Thread-safe. */
public final class InMemoryS3Keys implements S3KeyStore {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Clock clock;
    private final Map<String, S3Key> keys = new ConcurrentHashMap<>();

    public InMemoryS3Keys(Clock clock) {
        this.clock = clock;
    }

    @Override
    public S3Key create(String accountId) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder id = new StringBuilder("STOQ");
        for (int i = 0; i < 16; i++) {
            id.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        byte[] secret = new byte[30];
        RANDOM.nextBytes(secret);
        S3Key k = new S3Key(id.toString(), accountId, java.util.Base64.getEncoder().encodeToString(secret), clock.instant());
        keys.put(k.accessKeyId(), k);
        return k;
    }

    @Override
    public Optional<S3Key> find(String accessKeyId) {
        return Optional.ofNullable(keys.get(accessKeyId));
    }

    @Override
    public List<S3Key> list(String accountId) {
        List<S3Key> out = new ArrayList<>();
        for (S3Key k : keys.values()) {
            if (k.accountId().equals(accountId)) {
                out.add(new S3Key(k.accessKeyId(), k.accountId(), "", k.created()));
            }
        }
        return out;
    }

    @Override
    public void revoke(String accountId, String accessKeyId) throws ApiException {
        S3Key k = keys.get(accessKeyId);
        if (k == null || !k.accountId().equals(accountId)) {
            throw new ApiException(ApiError.NOT_FOUND, "no such S3 key of " + accountId);
        }
        keys.remove(accessKeyId);
    }
}
