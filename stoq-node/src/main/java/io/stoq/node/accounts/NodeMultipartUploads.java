package io.stoq.node.accounts;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.MultipartUploads;
import io.stoq.node.accounts.NodeDb.Cf;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The S3 gateway's open multipart uploads in the node database ({@link Cf#S3_UPLOADS}), so an
 * upload survives a restart of the node: its parts' bytes are assets already, this keeps which
 * parts belong to which upload and their MD5s. Every write is synced before the call returns.
 *
 * <p>Keys: {@code 'U' + id} for the upload, {@code 'P' + id + 0x00 + i32 number} for each part,
 * so an upload's parts are one ordered range and the uploads one prefix. Records:
 * upload {@code u8 version=1, UTF bucket, i32 n + n bytes key (UTF-8), UTF account, UTF content
 * type, i64 initiated ms, i32 pairs, (UTF name, UTF value)*}; part {@code u8 version=1, UTF asset
 * id, i64 size, UTF md5 hex, i64 at ms}.
 *
 * <p>Node-local, like S3 keys today (docs/s3.md): an upload continues on the node that took it.
 * Thread-safe: RocksDB handles are; writes are synchronized so a part is never recorded for an
 * upload removed at the same moment.
 */
public final class NodeMultipartUploads implements MultipartUploads {
    private static final byte UPLOAD = 'U';
    private static final byte PART = 'P';
    private final NodeDb db;

    NodeMultipartUploads(NodeDb db) {
        this.db = db;
    }

    private static byte[] uploadKey(String id) {
        return concat(new byte[] {UPLOAD}, id.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] partPrefix(String id) {
        return concat(new byte[] {PART}, id.getBytes(StandardCharsets.UTF_8), new byte[] {0});
    }

    private static byte[] partKey(String id, int number) {
        return concat(partPrefix(id), ByteBuffer.allocate(4).putInt(number).array());
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Override
    public synchronized void create(Upload upload) throws ApiException {
        try {
            db.put(Cf.S3_UPLOADS, uploadKey(upload.id()), encode(upload));
        } catch (RocksDBException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "cannot record multipart upload " + upload.id() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Upload> find(String uploadId) throws ApiException {
        try {
            byte[] v = db.get(Cf.S3_UPLOADS, uploadKey(uploadId));
            return v == null ? Optional.empty() : Optional.of(decodeUpload(uploadId, v));
        } catch (RocksDBException | IOException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "cannot read multipart upload " + uploadId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized Optional<Part> putPart(String uploadId, Part part) throws ApiException {
        try {
            if (db.get(Cf.S3_UPLOADS, uploadKey(uploadId)) == null) {
                throw new ApiException(ApiError.NOT_FOUND, "no open multipart upload " + uploadId);
            }
            byte[] k = partKey(uploadId, part.number());
            byte[] old = db.get(Cf.S3_UPLOADS, k);
            db.put(Cf.S3_UPLOADS, k, encode(part));
            return old == null ? Optional.empty() : Optional.of(decodePart(part.number(), old));
        } catch (RocksDBException | IOException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "cannot record part " + part.number() + " of multipart upload " + uploadId
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<Part> parts(String uploadId) throws ApiException {
        List<Part> out = new ArrayList<>();
        byte[] prefix = partPrefix(uploadId);
        try (RocksIterator it = db.iterator(Cf.S3_UPLOADS)) {
            for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                int number = ByteBuffer.wrap(it.key(), prefix.length, 4).getInt();
                out.add(decodePart(number, it.value()));
            }
            it.status();
        } catch (RocksDBException | IOException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "cannot read the parts of multipart upload " + uploadId + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public synchronized void remove(String uploadId) throws ApiException {
        byte[] prefix = partPrefix(uploadId);
        byte[] end = prefix.clone();
        end[end.length - 1] = 1; // just past every part key of this upload
        try (WriteBatch batch = new WriteBatch()) {
            batch.delete(db.handle(Cf.S3_UPLOADS), uploadKey(uploadId));
            batch.deleteRange(db.handle(Cf.S3_UPLOADS), prefix, end);
            db.write(batch);
        } catch (RocksDBException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "cannot remove multipart upload " + uploadId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<Upload> all() throws ApiException {
        List<Upload> out = new ArrayList<>();
        try (RocksIterator it = db.iterator(Cf.S3_UPLOADS)) {
            for (it.seek(new byte[] {UPLOAD}); it.isValid() && it.key()[0] == UPLOAD; it.next()) {
                String id = new String(it.key(), 1, it.key().length - 1, StandardCharsets.UTF_8);
                out.add(decodeUpload(id, it.value()));
            }
            it.status();
        } catch (RocksDBException | IOException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "cannot list multipart uploads: " + e.getMessage(), e);
        }
        return out;
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static byte[] encode(Upload u) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeUTF(u.bucket());
            byte[] key = u.key().getBytes(StandardCharsets.UTF_8);
            out.writeInt(key.length);
            out.write(key);
            out.writeUTF(u.account());
            out.writeUTF(u.contentType());
            out.writeLong(u.initiated().toEpochMilli());
            out.writeInt(u.meta().size());
            for (Map.Entry<String, String> e : u.meta().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static Upload decodeUpload(String id, byte[] v) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(v))) {
            if (in.readByte() != 1) {
                throw new IOException("unknown multipart upload record version");
            }
            String bucket = in.readUTF();
            int n = in.readInt();
            if (n < 0 || n > 4096) {
                throw new IOException("multipart upload record " + id + " damaged");
            }
            String key = new String(in.readNBytes(n), StandardCharsets.UTF_8);
            String account = in.readUTF();
            String type = in.readUTF();
            Instant initiated = Instant.ofEpochMilli(in.readLong());
            int pairs = in.readInt();
            if (pairs < 0 || pairs > 1024) {
                throw new IOException("multipart upload record " + id + " damaged");
            }
            Map<String, String> meta = new LinkedHashMap<>();
            for (int i = 0; i < pairs; i++) {
                meta.put(in.readUTF(), in.readUTF());
            }
            return new Upload(id, bucket, key, account, type, meta, initiated);
        }
    }

    private static byte[] encode(Part p) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeUTF(p.assetId());
            out.writeLong(p.size());
            out.writeUTF(p.md5Hex());
            out.writeLong(p.at().toEpochMilli());
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static Part decodePart(int number, byte[] v) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(v))) {
            if (in.readByte() != 1) {
                throw new IOException("unknown multipart part record version");
            }
            return new Part(number, in.readUTF(), in.readLong(), in.readUTF(), Instant.ofEpochMilli(in.readLong()));
        }
    }
}
