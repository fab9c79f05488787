package io.stoq.node.members;

import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a node that is not in the Raft group sends a member to be admitted: the role it asks for,
 * the address its Raft server listens on, its Falcon certificate chain (for the NODE_REGISTER
 * tx; the member checks it is the chain the STOQ handshake proved) and, from version 2, its ML-KEM
 * public key (the member seals the network's key epochs to it once it is registered, after
 * checking that the certificate binds it).
 *
 * <pre>
 *   u8 version (2; 1 is read too: no ML-KEM key) · u8 role (1 voter, 2 listener) · u8 length · raft address "ip:port" (ASCII)
 *   · u8 certificate count (1..4) · per certificate: u16 length (1..16384) · DER (node certificate first)
 *   · version 2: u16 length (1..4096) · ML-KEM public key SPKI DER
 * </pre>
 *
 * The reply's metadata is {@code u8 state} (1 member now, 2 admission under way: ask again) and
 * {@code u8 role} granted (1 voter, 2 listener; 0 while under way).
 */
record JoinRequest(boolean voter, InetSocketAddress raftAddress, List<byte[]> chainDer, byte[] kemSpki) {
    /** The message type: node types start at 0x100. */
    static final MessageType TYPE = new MessageType(0x0120, "raft-join");
    static final int VERSION = 2;
    private static final int MAX_KEM_BYTES = 4096;
    static final int MEMBER = 1;
    static final int PENDING = 2;
    private static final int MAX_CERTS = 4;
    private static final int MAX_CERT_BYTES = 16384;

    /** {@code kemSpki} is empty in a version 1 request (the joiner then gets no key epoch share). */
    JoinRequest {
        chainDer = List.copyOf(chainDer);
        kemSpki = kemSpki.clone();
    }

    byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeByte(voter ? 1 : 2);
            byte[] address = (raftAddress.getAddress().getHostAddress() + ":" + raftAddress.getPort()).getBytes(StandardCharsets.US_ASCII);
            out.writeByte(address.length);
            out.write(address);
            out.writeByte(chainDer.size());
            for (byte[] der : chainDer) {
                out.writeShort(der.length);
                out.write(der);
            }
            out.writeShort(kemSpki.length);
            out.write(kemSpki);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a byte array stream does not fail
        }
    }

    static JoinRequest decode(byte[] args) throws NetException {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(args));
            int version = in.readUnsignedByte();
            if (version != 1 && version != VERSION) {
                throw new NetException(NetErrorCode.BAD_REQUEST, "raft-join version " + version + " is neither 1 nor " + VERSION);
            }
            int role = in.readUnsignedByte();
            if (role != 1 && role != 2) {
                throw new NetException(NetErrorCode.BAD_REQUEST, "raft-join role " + role + " is neither voter (1) nor listener (2)");
            }
            byte[] address = in.readNBytes(in.readUnsignedByte());
            InetSocketAddress raft = address(new String(address, StandardCharsets.US_ASCII));
            int count = in.readUnsignedByte();
            if (count < 1 || count > MAX_CERTS) {
                throw new NetException(NetErrorCode.BAD_REQUEST, "raft-join with " + count + " certificates (1.." + MAX_CERTS + ")");
            }
            List<byte[]> chain = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int length = in.readUnsignedShort();
                if (length < 1 || length > MAX_CERT_BYTES) {
                    throw new NetException(NetErrorCode.BAD_REQUEST, "raft-join certificate of " + length + " bytes");
                }
                chain.add(in.readNBytes(length));
                if (chain.get(i).length != length) {
                    throw new NetException(NetErrorCode.BAD_REQUEST, "raft-join cut short");
                }
            }
            byte[] kem = new byte[0];
            if (version >= 2) {
                int length = in.readUnsignedShort();
                if (length < 1 || length > MAX_KEM_BYTES) {
                    throw new NetException(NetErrorCode.BAD_REQUEST, "raft-join ML-KEM key of " + length + " bytes");
                }
                kem = in.readNBytes(length);
                if (kem.length != length) {
                    throw new NetException(NetErrorCode.BAD_REQUEST, "raft-join cut short");
                }
            }
            if (in.available() != 0) {
                throw new NetException(NetErrorCode.BAD_REQUEST, "raft-join has trailing bytes");
            }
            return new JoinRequest(role == 1, raft, chain, kem);
        } catch (IOException e) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "raft-join cut short");
        }
    }

    private static InetSocketAddress address(String hostPort) throws NetException {
        int colon = hostPort.lastIndexOf(':');
        try {
            if (colon < 1) {
                throw new NumberFormatException();
            }
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            String host = hostPort.substring(0, colon);
            if (port < 1 || port > 65535 || !host.matches("[0-9A-Fa-f:.\\[\\]]+")) {
                throw new NumberFormatException();
            }
            // An IP literal only: never a name this node would have to resolve for a peer.
            return new InetSocketAddress(java.net.InetAddress.getByName(host.replace("[", "").replace("]", "")), port);
        } catch (NumberFormatException | java.net.UnknownHostException e) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "raft-join address '" + hostPort + "' is not ip:port");
        }
    }
}
